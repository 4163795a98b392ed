/**
 * The CLI's commands. Each is a small function over the library.
 */
import type { ParseArgsConfig } from 'node:util';
import { createCodecRegistry } from '../codecs/index.ts';
import { BadRequestError } from '../core/errors.ts';
import { formatValue } from '../core/format.ts';
import { As, isMessage } from '../core/message.ts';
import { createContext } from '../defaults.ts';
import { type Context, withDirectives } from '../engine/context.ts';
import type { Result } from '../engine/device.ts';
import { parseHyperpath } from '../engine/hyperpath.ts';
import { messageId } from '../engine/ids.ts';
import { resolveMany, subresolve } from '../engine/resolver.ts';
import { importCommand } from './import.ts';
import { decodeMessage, readInput } from './io.ts';
import { signingCommands } from './signing-commands.ts';
import { startCommand } from './start.ts';

type Values = Record<string, string | boolean | undefined>;

export interface Command {
  summary: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run(args: string[], values: Values): Promise<number>;
}

function printResult(result: Result, json: boolean): void {
  if (json) {
    const body = isMessage(result.body) ? result.body : { body: result.body };
    const json = Buffer.from(createCodecRegistry().toBytes('json@1.0', body)).toString('utf8');
    process.stdout.write(`${JSON.stringify({ status: result.status, body: JSON.parse(json) })}\n`);
  } else {
    // A literal result arrives wrapped as {ao-result: body, body: literal}: show the literal.
    const body = result.body;
    const shown =
      isMessage(body) && typeof body['ao-result'] === 'string' ? body[body['ao-result']] : body;
    process.stdout.write(
      `${result.status === 'ok' ? '' : `[${result.status}]\n`}${formatValue(shown ?? body)}\n`,
    );
  }
}

/** Resolve a HyperPATH in-process, as a node would for `GET <hyperpath>`. */
export async function resolvePath(path: string, ctx: Context): Promise<Result> {
  const run = withDirectives(ctx, { forceMessage: true, cacheControl: ['always'] });
  const result = await resolveMany(parseHyperpath({ path, method: 'GET' }), run);
  // A path of one `~device&k=v` step is returned unexecuted; show the message it builds.
  return result.body instanceof As
    ? subresolve({}, result.body.device, result.body.msg, run)
    : result;
}

export const commands: Record<string, Command> = {
  ...signingCommands,
  resolve: {
    summary: "resolve a HyperPATH in-process: hyperbeam resolve '/~message@1.0&a=1/a' [--json]",
    options: { json: { type: 'boolean' } },
    async run([path], values) {
      if (!path) throw new BadRequestError('no_path', 'give a HyperPATH to resolve');
      printResult(await resolvePath(path, createContext()), values.json === true);
      return 0;
    },
  },
  id: {
    summary:
      'print the IDs of a message: hyperbeam id [--from json@1.0|flat@1.0|httpsig@1.0|ans104@1.0] <file|->',
    options: { from: { type: 'string' }, codec: { type: 'string' } },
    async run([file], values) {
      const codec = values.from ?? values.codec;
      const msg = decodeMessage(readInput(file), typeof codec === 'string' ? codec : undefined);
      process.stdout.write(
        `unsigned: ${messageId(msg, { committers: [] })}\nsigned:   ${messageId(msg, { committers: 'all' })}\nid:       ${messageId(msg)}\n`,
      );
      return 0;
    },
  },
  start: startCommand,
  import: importCommand,
};
