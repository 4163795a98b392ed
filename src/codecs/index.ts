/**
 * The codec registry and conversion between codecs, through TABM.
 */
import { NotFoundError } from '../core/errors.ts';
import type { Message } from '../core/message.ts';
import { ans104Codec, ans104Scheme } from './ans104/index.ts';
import type { Codec } from './codec.ts';
import { SchemeRegistry } from './commitments.ts';
import { deserializeFlat, type FlatMap, flatToTabm, serializeFlat, tabmToFlat } from './flat.ts';
import { httpsigScheme } from './httpsig/commit.ts';
import { httpsigCodec } from './httpsig/index.ts';
import { jsonCodec } from './json.ts';
import { messageToTabm, type Tabm, tabmToMessage } from './structured.ts';

export type { Codec } from './codec.ts';
export type { CommitmentScheme } from './commitments.ts';
export { SchemeRegistry } from './commitments.ts';

export const structuredCodec: Codec<Message> = {
  name: 'structured@1.0',
  toTabm: messageToTabm,
  fromTabm: tabmToMessage,
};

export const flatCodec: Codec<FlatMap> = {
  name: 'flat@1.0',
  toTabm: flatToTabm,
  fromTabm: tabmToFlat,
  serialize: serializeFlat,
  deserialize: deserializeFlat,
};

export class CodecRegistry {
  private readonly codecs = new Map<string, Codec>();

  register(codec: Codec): this {
    this.codecs.set(codec.name.toLowerCase(), codec);
    return this;
  }

  get(name: string): Codec {
    const codec = this.codecs.get(name.toLowerCase());
    if (!codec) throw new NotFoundError('codec_not_found', `no codec named '${name}'`);
    return codec;
  }

  has(name: string): boolean {
    return this.codecs.has(name.toLowerCase());
  }

  names(): string[] {
    return [...this.codecs.keys()];
  }

  /** Convert a value from one codec's wire form to another's, through TABM. */
  convert(value: unknown, to: string, from = 'structured@1.0'): unknown {
    const tabm: Tabm = from === 'tabm' ? (value as Tabm) : this.get(from).toTabm(value);
    return to === 'tabm' ? tabm : this.get(to).fromTabm(tabm);
  }
}

export const codecs = new CodecRegistry()
  .register(structuredCodec)
  .register(flatCodec)
  .register(jsonCodec)
  .register(httpsigCodec as Codec)
  .register(ans104Codec as Codec);

export const schemes = new SchemeRegistry().register(httpsigScheme).register(ans104Scheme);
