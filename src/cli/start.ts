/**
 * `hyperbeam start`: run a node until SIGINT or SIGTERM, then stop it
 * gracefully (requests in flight finish, the store is closed).
 */
import { resolve } from 'node:path';
import { OPTIONS } from '../config/schema.ts';
import type { Message } from '../core/message.ts';
import { startNode } from '../http/server.ts';
import { loadConfig } from '../node/config.ts';
import { DEFAULT_STORE } from '../stores/index.ts';
import type { Command } from './commands.ts';

function describeStore(store: unknown): string {
  const first = Array.isArray(store) ? store[0] : store;
  if (first && typeof first === 'object' && 'store-module' in first) {
    const { 'store-module': module, prefix } = first as Message;
    return prefix === undefined ? String(module) : `${String(module)} at ${String(prefix)}`;
  }
  return 'memory';
}

export const startCommand: Command = {
  summary:
    'run a node: hyperbeam start [--port 8734] [--key hyperbeam-key.json] [--config config.flat] [--store dir]',
  options: {
    port: { type: 'string' },
    key: { type: 'string' },
    config: { type: 'string' },
    store: { type: 'string' },
  },
  async run(_args, values) {
    const flags = {
      port: values.port as string | undefined,
      key: values.key as string | undefined,
      config: values.config as string | undefined,
      store: values.store as string | undefined,
    };
    const { config, file } = loadConfig({ flags, env: process.env });
    const keyFile =
      (config.priv_key_location as string | undefined) ??
      resolve(OPTIONS.priv_key_location.default);
    const store = config.store ?? [DEFAULT_STORE];
    const node = await startNode({ config: { ...config, store, priv_key_location: keyFile } });
    // Listen for signals before announcing the node: whoever reads the banner may signal at once.
    const stopped = new Promise<void>((done) => {
      const stop = (signal: string) => {
        process.stdout.write(`hyperbeam: ${signal}: stopping (finishing requests in flight)\n`);
        process.once(signal, () => process.exit(130)); // a second signal forces the exit
        node.stop().then(done, (error: unknown) => {
          process.stderr.write(`hyperbeam: stop failed: ${String(error)}\n`);
          done();
        });
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    });
    const out = process.stdout;
    out.write(`== Node activate at: ${node.url} ==\n`);
    out.write(`== Operator: ${node.address} ==\n`);
    out.write(`   wallet: ${keyFile}${node.createdWallet ? ' (created)' : ''}\n`);
    out.write(`   store:  ${describeStore(store)}\n`);
    out.write(`   config: ${file ?? 'none'}\n`);
    await stopped;
    process.stdout.write('hyperbeam: stopped\n');
    return 0;
  },
};
