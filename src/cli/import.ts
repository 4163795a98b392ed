/**
 * `hyperbeam import <file...>`: put WASM modules, data items and messages into
 * the node's store (the same one `hyperbeam start` uses: --store, HB_STORE or
 * the configuration, else ./cache-mainnet) and print their IDs, so they can be
 * used by ID without Arweave. Signed messages must verify.
 */
import { verifyMessage } from '../codecs/commitments.ts';
import { type CodecRegistry, createCodecRegistry } from '../codecs/index.ts';
import { BadRequestError } from '../core/errors.ts';
import type { Message } from '../core/message.ts';
import { messageId } from '../engine/ids.ts';
import { loadConfig } from '../node/config.ts';
import { DEFAULT_STORE, openStore } from '../stores/index.ts';
import type { Command } from './commands.ts';
import { decodeMessage, readInput } from './io.ts';

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];

/**
 * A file as the message to store: WASM (by its magic) and Lua (`.lua`) as
 * module messages, anything else decoded (JSON, httpsig, ANS-104...).
 */
export function importedMessage(bytes: Uint8Array, codecs?: CodecRegistry, file = ''): Message {
  if (WASM_MAGIC.every((b, i) => bytes[i] === b)) {
    return { 'content-type': 'application/wasm', body: bytes };
  }
  if (file.toLowerCase().endsWith('.lua'))
    return { 'content-type': 'application/lua', body: bytes };
  return decodeMessage(bytes, undefined, codecs);
}

export const importCommand: Command = {
  summary: 'store modules, data items and messages by ID: hyperbeam import [--store dir] <file...>',
  options: { store: { type: 'string' }, config: { type: 'string' } },
  async run(files, values) {
    if (files.length === 0) throw new BadRequestError('no_file', 'give files to import');
    const config = loadConfig({
      flags: {
        store: values.store as string | undefined,
        config: values.config as string | undefined,
      },
      env: process.env,
    });
    const codecs = createCodecRegistry();
    const store = openStore(config.config.store ?? [DEFAULT_STORE], { codecs });
    try {
      for (const file of files) {
        const msg = importedMessage(readInput(file), codecs, file);
        if (!(await verifyMessage(msg, {}, codecs))) {
          throw new BadRequestError('invalid_signature', `${file}: its signature does not verify`);
        }
        await store.write(msg);
        process.stdout.write(`${messageId(msg)}  ${file}\n`);
      }
    } finally {
      await store.close?.();
    }
    return 0;
  },
};
