/**
 * The codec interface. A codec converts between its wire form and TABM, the
 * pivot type (converting between two codecs goes through TABM); codecs that
 * sign (httpsig@1.0, ans104@1.0) also commit to messages, verify their
 * commitments and say which keys one covers. HyperBEAM names the conversions
 * from/1 and to/1; we name the direction.
 */
import type { Binary } from '../core/binary.ts';
import type { Message } from '../core/message.ts';
import type { Wallet } from '../crypto/wallet.ts';
import type { SignatureMemo } from './signature-memo.ts';
import type { Tabm } from './structured.ts';

/** A message as HTTP carries it: header fields (lower-case names) and a body. */
export interface HttpForm {
  headers: Record<string, Binary>;
  body: Uint8Array;
}

/** A received HTTP message, with what its request line says. */
export interface ReceivedHttp extends HttpForm {
  method: string;
  /** The request target's path, without the query. */
  path: string;
}

/** A received message and the commitments checked over the bytes it arrived as. */
export interface Received {
  message: Message;
  verified: string[];
}

export interface CommitOptions {
  /** The key to sign with; without one, httpsig@1.0 adds only its HMAC commitment. */
  readonly wallet?: Wallet;
  /** Signatures made recently, to reuse for identical signature bases. */
  readonly signatures?: SignatureMemo;
}

export interface Codec<Wire = unknown> {
  /** The codec's device name, e.g. `httpsig@1.0`. */
  readonly name: string;
  /** The MIME type of the serialised form, when it has one. */
  readonly contentType?: string;
  /** Wire form -> TABM. */
  toTabm(wire: Wire): Tabm;
  /** TABM -> wire form. */
  fromTabm(tabm: Tabm): Wire;
  /** Wire form -> bytes, for codecs with a byte form. */
  serialize?(wire: Wire): Binary;
  /** Bytes -> wire form. */
  deserialize?(bytes: Binary): Wire;
  /** The message in HTTP form; without this, its serialised form is the body. */
  toHttp?(msg: Message): HttpForm;
  /**
   * How many keys the HTTP form holds at least, counted cheaply before it
   * is read (up to `atMost + 1`), so an oversized request is refused unread.
   */
  minKeys?(http: HttpForm, atMost: number): number;
  /** Read a received HTTP message, checking its signatures over the bytes received. */
  fromHttp?(http: ReceivedHttp): Received;
  /** Add this codec's commitment to a message. */
  commit?(msg: Message, req: Message, options: CommitOptions): Promise<Message> | Message;
  /** Check one of the message's commitments, by ID. */
  verify?(msg: Message, id: string): Promise<boolean> | boolean;
  /** The keys of the message that one of its commitments covers. */
  committedKeys?(msg: Message, id: string): string[];
}

/** A codec that commits (signs). */
export type Committer = Codec & Required<Pick<Codec, 'commit' | 'verify' | 'committedKeys'>>;
