/**
 * The Arweave block an assignment is made at (HyperBEAM's ar_timestamp). In
 * `prod` mode the gateway's current block, refreshed every 15 s; in `debug`
 * mode (the default) height and timestamp 0 and a zero hash, as HyperBEAM.
 */
import type { Context } from '../engine/context.ts';

declare module '../engine/context.ts' {
  interface Services {
    readonly blocks: BlockClock;
  }
}

export interface Block {
  height: number;
  /** base64url, 43 characters. */
  hash: string;
  /** Seconds. */
  timestamp: number;
}

export const ZERO_BLOCK: Block = { height: 0, hash: 'A'.repeat(43), timestamp: 0 };
const REFRESH_MS = 15_000;

/** The node's view of the current block (the `blocks` service): the last one fetched, for 15 s. */
export class BlockClock {
  private cached: { block: Block; at: number; gateway: string } | undefined;

  async current(ctx: Context): Promise<Block> {
    if (ctx.config.mode !== 'prod') return ZERO_BLOCK;
    const gateway = ctx.config.gateway.replace(/\/+$/, '');
    const cached = this.cached;
    if (cached && cached.gateway === gateway && Date.now() - cached.at < REFRESH_MS) {
      return cached.block;
    }
    try {
      const res = await fetch(`${gateway}/block/current`, { signal: AbortSignal.timeout(5_000) });
      const json = (await res.json()) as {
        height?: number;
        indep_hash?: string;
        timestamp?: number;
      };
      if (typeof json.height === 'number' && typeof json.indep_hash === 'string') {
        const block = {
          height: json.height,
          hash: json.indep_hash,
          timestamp: json.timestamp ?? 0,
        };
        this.cached = { block, at: Date.now(), gateway };
        return block;
      }
    } catch {
      // The gateway is unreachable: keep the last block we knew.
    }
    return this.cached?.block ?? ZERO_BLOCK;
  }
}

/** The block an assignment is made at now, as the node's clock tells it. */
export function currentBlock(ctx: Context): Promise<Block> {
  return ctx.services.blocks.current(ctx);
}
