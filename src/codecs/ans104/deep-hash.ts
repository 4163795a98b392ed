/**
 * Arweave's deep hash (SHA-384 over a tree of blobs and lists): what ANS-104
 * data items sign.
 */
import { hash } from 'node:crypto';

export type DeepHashChunk = Uint8Array | DeepHashChunk[];

const sha384 = (...parts: Uint8Array[]) =>
  new Uint8Array(hash('sha384', Buffer.concat(parts), 'buffer'));
const text = (s: string) => new TextEncoder().encode(s);

export function deepHash(chunk: DeepHashChunk): Uint8Array {
  if (chunk instanceof Uint8Array) {
    return sha384(sha384(text(`blob${chunk.length}`)), sha384(chunk));
  }
  let acc = sha384(text(`list${chunk.length}`));
  for (const child of chunk) acc = sha384(acc, deepHash(child));
  return acc;
}
