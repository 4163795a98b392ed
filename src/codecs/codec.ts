/**
 * The codec interface. Every codec converts between its wire form and TABM,
 * the pivot type; converting between two codecs goes through TABM.
 * (HyperBEAM names these from/1 and to/1; we name the direction.)
 */
import type { Binary } from '../core/binary.ts';
import type { Tabm } from './structured.ts';

export interface Codec<Wire = unknown> {
  /** The codec's device name, e.g. `httpsig@1.0`. */
  readonly name: string;
  /** The MIME type of the serialised form, when it has one. */
  readonly contentType?: string;
  /** Wire form -> TABM. */
  toTabm(wire: Wire): Tabm;
  /** TABM -> wire form. */
  fromTabm(tabm: Tabm): Wire;
  /** Wire form -> bytes, for codecs whose wire form is not already bytes. */
  serialize?(wire: Wire): Binary;
  /** Bytes -> wire form. */
  deserialize?(bytes: Binary): Wire;
}
