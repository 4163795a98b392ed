/**
 * The codecs this node ships: structured@1.0, flat@1.0, json@1.0,
 * httpsig@1.0 and ans104@1.0. Each node makes its own registry.
 */
import { ans104Codec } from './ans104/index.ts';
import type { Codec } from './codec.ts';
import { flatCodec } from './flat.ts';
import { httpsigCodec } from './httpsig/index.ts';
import { jsonCodec } from './json.ts';
import { CodecRegistry } from './registry.ts';
import { structuredCodec } from './structured.ts';

export type { Codec, CommitOptions, Committer, HttpForm, Received, ReceivedHttp } from './codec.ts';
export { CodecRegistry } from './registry.ts';

export const builtinCodecs: readonly Codec[] = [
  structuredCodec,
  flatCodec,
  jsonCodec,
  httpsigCodec as Codec,
  ans104Codec as Codec,
];

export function createCodecRegistry(extra: Iterable<Codec> = []): CodecRegistry {
  return new CodecRegistry([...builtinCodecs, ...extra]);
}
