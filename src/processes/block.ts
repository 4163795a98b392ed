/**
 * The Arweave block an assignment is made at (HyperBEAM's ar_timestamp). In
 * `prod` mode the gateway's current block, refreshed every 15 s; in `debug`
 * mode (the default) height and timestamp 0 and a zero hash, as HyperBEAM.
 */
import type { Context } from '../engine/context.ts';

export interface Block {
  height: number;
  /** base64url, 43 characters. */
  hash: string;
  /** Seconds. */
  timestamp: number;
}

export const ZERO_BLOCK: Block = { height: 0, hash: 'A'.repeat(43), timestamp: 0 };
const REFRESH_MS = 15_000;

let cached: { block: Block; at: number; gateway: string } | undefined;

export async function currentBlock(ctx: Context): Promise<Block> {
  if (ctx.config.mode !== 'prod') return ZERO_BLOCK;
  const gateway = ctx.config.gateway.replace(/\/+$/, '');
  if (cached && cached.gateway === gateway && Date.now() - cached.at < REFRESH_MS) {
    return cached.block;
  }
  try {
    const res = await fetch(`${gateway}/block/current`, { signal: AbortSignal.timeout(5_000) });
    const json = (await res.json()) as { height?: number; indep_hash?: string; timestamp?: number };
    if (typeof json.height === 'number' && typeof json.indep_hash === 'string') {
      const block = { height: json.height, hash: json.indep_hash, timestamp: json.timestamp ?? 0 };
      cached = { block, at: Date.now(), gateway };
      return block;
    }
  } catch {
    // The gateway is unreachable: keep the last block we knew.
  }
  return cached?.block ?? ZERO_BLOCK;
}
