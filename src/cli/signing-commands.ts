/**
 * CLI commands for keys and signatures: wallet, sign, verify, convert.
 */
import { existsSync } from 'node:fs';
import { parseItem } from '../codecs/ans104/data-item.ts';
import { ANS104 } from '../codecs/ans104/index.ts';
import { commitmentsOf, verifyMessage } from '../codecs/commitments.ts';
import { type CodecRegistry, createCodecRegistry } from '../codecs/index.ts';
import { BadRequestError } from '../core/errors.ts';
import { isMessage, type Message } from '../core/message.ts';
import {
  createWallet,
  type KeyType,
  loadWallet,
  saveWallet,
  type Wallet,
} from '../crypto/wallet.ts';
import { messageId } from '../engine/ids.ts';
import type { Command } from './commands.ts';
import { decodeMessage, detectCodec, encodeMessage, readInput, writeOutput } from './io.ts';
import { verifyItemBytes } from './verify-item.ts';

const DEFAULT_KEY = 'hyperbeam-key.json';

function keyFile(value: string | boolean | undefined): string {
  return typeof value === 'string' ? value : (process.env.HB_KEY ?? DEFAULT_KEY);
}

function wallet(value: string | boolean | undefined): Wallet {
  const file = keyFile(value);
  if (!existsSync(file))
    throw new BadRequestError(
      'no_wallet',
      `no wallet at ${file} (create one: hyperbeam wallet new)`,
    );
  return loadWallet(file);
}

const str = (v: string | boolean | undefined) => (typeof v === 'string' ? v : undefined);

export const signingCommands: Record<string, Command> = {
  wallet: {
    summary:
      'hyperbeam wallet new [--type rsa|ed25519|secp256k1] [--key file] | wallet address [--key file]',
    options: { key: { type: 'string' }, type: { type: 'string' }, force: { type: 'boolean' } },
    async run([action], values) {
      const file = keyFile(values.key);
      if (action === 'new') {
        if (existsSync(file) && !values.force) {
          throw new BadRequestError('wallet_exists', `${file} exists; pass --force to replace it`);
        }
        const type = (str(values.type) ?? 'rsa') as KeyType;
        if (!['rsa', 'ed25519', 'secp256k1'].includes(type)) {
          throw new BadRequestError('bad_type', `unknown key type ${type}`);
        }
        const created = createWallet(type);
        saveWallet(file, created);
        process.stdout.write(`${created.address}\n`);
        return 0;
      }
      if (action === 'address') {
        process.stdout.write(`${wallet(values.key).address}\n`);
        return 0;
      }
      throw new BadRequestError('bad_arguments', 'use: hyperbeam wallet new|address');
    },
  },
  sign: {
    summary:
      'sign a message: hyperbeam sign [--codec httpsig@1.0|ans104@1.0] [--from C] [--to C] [--key file] <file|->',
    options: {
      codec: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      key: { type: 'string' },
    },
    async run([file], values) {
      const codecs = createCodecRegistry();
      const codec = str(values.codec) ?? 'httpsig@1.0';
      const msg = decodeMessage(readInput(file), str(values.from), codecs);
      const signed = await codecs.committer(codec).commit(msg, {}, { wallet: wallet(values.key) });
      writeOutput(encodeMessage(signed, str(values.to) ?? codec, codecs));
      return 0;
    },
  },
  verify: {
    summary: 'verify every commitment of a message: hyperbeam verify [--from C] <file|->',
    options: { from: { type: 'string' } },
    async run([file], values) {
      const codecs = createCodecRegistry();
      const bytes = readInput(file);
      const codec = str(values.from) ?? detectCodec(bytes);
      if (codec === ANS104) return verifyAns104(bytes, codecs);
      const msg = decodeMessage(bytes, codec, codecs);
      const commitments = commitmentsOf(msg);
      if (Object.keys(commitments).length === 0) {
        process.stdout.write('no commitments: the message is not signed\n');
        return 1;
      }
      let valid = true;
      for (const [id, c] of Object.entries(commitments)) {
        const ok = await codecs.forCommitment(msg, id).verify(msg, id);
        valid &&= ok;
        const who = isMessage(c) ? String(c.committer ?? '(hmac)') : '?';
        process.stdout.write(`${ok ? 'valid  ' : 'INVALID'} ${id} ${who}\n`);
      }
      valid &&= await verifyMessage(msg, {}, codecs);
      process.stdout.write(`id: ${messageId(msg)}\n`);
      return valid ? 0 : 1;
    },
  },
  convert: {
    summary: 'convert a message between codecs: hyperbeam convert --to C [--from C] <file|->',
    options: { from: { type: 'string' }, to: { type: 'string' } },
    async run([file], values) {
      const to = str(values.to);
      if (!to) throw new BadRequestError('bad_arguments', 'convert needs --to <codec>');
      const codecs = createCodecRegistry();
      const msg = decodeMessage(readInput(file), str(values.from), codecs);
      writeOutput(encodeMessage(msg, to, codecs));
      return 0;
    },
  },
};

/**
 * Verify an ANS-104 item as read: its signature over its own bytes (as the
 * node does for an item POSTed to it), not over the item a message decoded
 * from it would encode to again. Commitments of other devices that the item
 * carries in its content are then checked on the message it decodes to.
 */
async function verifyAns104(bytes: Uint8Array, codecs: CodecRegistry): Promise<number> {
  const item = parseItem(bytes);
  let msg: Message | undefined;
  let unreadable: string | undefined;
  try {
    msg = decodeMessage(bytes, ANS104, codecs);
  } catch (error) {
    unreadable = (error as Error).message;
  }
  let checked = 0;
  let valid = true;
  const verdict = verifyItemBytes(bytes, item);
  if (verdict) {
    checked++;
    valid &&= verdict.valid;
    const why = verdict.reason ? `: ${verdict.reason}` : '';
    process.stdout.write(
      `${verdict.valid ? 'valid  ' : 'INVALID'} ${verdict.id} ${verdict.committer}${why}\n`,
    );
  }
  for (const [id, c] of Object.entries(msg ? commitmentsOf(msg) : {})) {
    // The item's own signature (or unsigned ID) was checked on the bytes above.
    if (!msg || !isMessage(c) || c['commitment-device'] === ANS104) continue;
    checked++;
    const ok = await codecs.forCommitment(msg, id).verify(msg, id);
    valid &&= ok;
    process.stdout.write(
      `${ok ? 'valid  ' : 'INVALID'} ${id} ${String(c.committer ?? '(hmac)')}\n`,
    );
  }
  if (checked === 0) {
    process.stdout.write('no commitments: the data item is not signed\n');
    return 1;
  }
  if (unreadable !== undefined) {
    process.stdout.write(`note: the item's content cannot be read as a message: ${unreadable}\n`);
  }
  process.stdout.write(`id: ${msg ? messageId(msg) : verdict?.id}\n`);
  return valid ? 0 : 1;
}
