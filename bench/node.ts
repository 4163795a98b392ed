/** A node for benches: loopback, any free port, quiet, on an LMDB store at `prefix` (as `npm start` keeps it). */
import type { Message } from '../src/core/message.ts';
import type { Wallet } from '../src/crypto/wallet.ts';
import { type RunningNode, startNode } from '../src/http/server.ts';

export function startLmdbNode(
  prefix: string,
  wallet: Wallet,
  config: Message = {},
): Promise<RunningNode> {
  return startNode({
    config: {
      port: 0,
      bind: '127.0.0.1',
      quiet: true,
      store: [{ 'store-module': 'lmdb', prefix }],
      ...config,
    },
    wallet,
  });
}
