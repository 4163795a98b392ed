#!/usr/bin/env node
/**
 * The `hyperbeam` command line.
 *
 *   hyperbeam resolve '<hyperpath>' [--json]   resolve in-process and print the result
 *   hyperbeam id <file> [--codec json@1.0]     print a message's IDs
 *   hyperbeam start                            run a node (see `hyperbeam help`)
 */
import { parseArgs } from 'node:util';
import { BadRequestError, isHbError } from '../core/errors.ts';
import { commands } from './commands.ts';

const USAGE = `usage: hyperbeam <command> [options]

commands:
${Object.entries(commands)
  .map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`)
  .join('\n')}
`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const command = name === undefined ? undefined : commands[name];
  if (!command) {
    process.stdout.write(USAGE);
    return name === undefined || name === 'help' || name === '--help' ? 0 : 2;
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: rest,
      options: command.options,
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new BadRequestError('bad_arguments', (error as Error).message);
  }
  return command.run(
    parsed.positionals,
    parsed.values as Record<string, string | boolean | undefined>,
  );
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const message = isHbError(error)
      ? `${error.code}: ${error.message}`
      : error instanceof Error
        ? error.message
        : String(error);
    process.stderr.write(`hyperbeam: ${message}\n`);
    process.exitCode = isHbError(error) && error.status < 500 ? 2 : 1;
  },
);
