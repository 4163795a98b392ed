/**
 * Messages a node signed recently, by the signature base they were signed
 * over. The base covers every key of a message without commitments, so two
 * such messages with one base are the same message, and a signature over it
 * (RSA-PSS salts it, but any signature over the same base verifies the
 * same) serves both: a reply identical to one signed a moment ago is signed
 * by copying, and repeated GETs cost what unsigned ones cost. Bounded (least
 * recently used go first); bases over `MAX_BASE` bytes are not kept.
 */
import { createHash } from 'node:crypto';
import type { Message } from '../core/message.ts';

const MAX_BASE = 64 * 1024;

export class SignatureMemo {
  private readonly entries = new Map<string, Message>();
  private readonly limit: number;

  constructor(limit = 4096) {
    this.limit = limit;
  }

  private key(signer: string, base: Uint8Array): string | undefined {
    if (base.length > MAX_BASE) return undefined;
    return `${signer}:${createHash('sha256').update(base).digest('base64url')}`;
  }

  /** The message `signer` signed over `base`, signed now by `sign` unless one is kept. */
  async sign(signer: string, base: Uint8Array, sign: () => Promise<Message>): Promise<Message> {
    const key = this.key(signer, base);
    const kept = key === undefined ? undefined : this.entries.get(key);
    if (key !== undefined && kept) {
      this.entries.delete(key);
      this.entries.set(key, kept);
      return kept;
    }
    const signature = await sign();
    if (key !== undefined) {
      this.entries.set(key, signature);
      if (this.entries.size > this.limit) {
        this.entries.delete(this.entries.keys().next().value as string);
      }
    }
    return signature;
  }

  get size(): number {
    return this.entries.size;
  }
}
