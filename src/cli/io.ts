/**
 * Reading and writing messages in a codec's serialised form, for the CLI.
 */
import { readFileSync, writeSync } from 'node:fs';
import { type CodecRegistry, createCodecRegistry } from '../codecs/index.ts';
import { type Binary, toBytes } from '../core/binary.ts';
import { BadRequestError } from '../core/errors.ts';
import type { Message } from '../core/message.ts';

/** The bytes of a file, or of stdin for `-`. */
export function readInput(file: string | undefined): Uint8Array {
  if (file === undefined)
    throw new BadRequestError('no_file', 'give a message file, or - for stdin');
  try {
    return new Uint8Array(readFileSync(file === '-' ? 0 : file));
  } catch (error) {
    throw new BadRequestError('bad_file', `cannot read ${file}: ${(error as Error).message}`);
  }
}

/** Guess a serialised message's codec: ANS-104 bytes, JSON, or an HTTP message. */
export function detectCodec(bytes: Uint8Array): string {
  const first = bytes.find((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09);
  if (bytes.length > 2 && bytes[1] === 0 && (bytes[0] as number) >= 1 && (bytes[0] as number) <= 4)
    return 'ans104@1.0';
  if (first === 0x7b) return 'json@1.0';
  return 'httpsig@1.0';
}

export function decodeMessage(
  bytes: Uint8Array,
  codecName?: string,
  codecs: CodecRegistry = createCodecRegistry(),
): Message {
  return codecs.fromBytes(codecName ?? detectCodec(bytes), bytes);
}

export function encodeMessage(
  msg: Message,
  codecName: string,
  codecs: CodecRegistry = createCodecRegistry(),
): Binary {
  return codecs.toBytes(codecName, msg);
}

export function writeOutput(data: Binary): void {
  writeSync(1, toBytes(data));
}
