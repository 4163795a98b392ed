/**
 * Tests of the `hyperbeam` command, run as a child process on the TypeScript sources
 * (Node's type stripping), plus one smoke test of the compiled dist/ when it exists.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { messageId } from '../engine/ids.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = join(root, 'src', 'cli', 'main.ts');
const DIST_MAIN = join(root, 'dist', 'cli', 'main.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the CLI with `args` (and optional stdin) and collect its output. */
function cli(args: string[], input?: string, main = MAIN): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [main, ...args], {
      cwd: root,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

describe('hyperbeam resolve', { concurrency: true }, () => {
  it('prints a literal result and exits 0', async () => {
    const run = await cli(['resolve', '/~message@1.0&a=1/a']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, '1\n');
    assert.equal(run.stderr, '');
  });

  it('prints typed values', async () => {
    const run = await cli(['resolve', '/~message@1.0&greeting=Hello&count+integer=42/count']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, '42\n');
  });

  it('prints a message as key: value lines', async () => {
    const run = await cli(['resolve', '/~message@1.0&x=1&y=2/keys']);
    assert.equal(run.code, 0, run.stderr);
    // `method` is the request's global key, set on the base like every header.
    assert.equal(run.stdout, '1: device\n2: method\n3: x\n4: y\n');
  });

  it('--json prints the status and the message', async () => {
    const run = await cli(['resolve', '/~message@1.0&a=1/a', '--json']);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), {
      status: 'ok',
      body: { 'ao-result': 'body', body: '1' },
    });
  });

  it('an unknown key prints the error status and exits 0', async () => {
    const run = await cli(['resolve', '/~message@1.0&a=1/zz']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^\[error\]\n/);
    assert.match(run.stdout, /not_found/);
  });

  it('--json reports an error status', async () => {
    const run = await cli(['resolve', '/~message@1.0&a=1/zz', '--json']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).status, 'error');
  });

  it('a bad path exits 2 with a message on stderr', async () => {
    const run = await cli(['resolve', '/a+b']);
    assert.equal(run.code, 2);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^hyperbeam: bad_path: .*a\+b/);
  });

  it('a bad cast exits 2 naming the type', async () => {
    const run = await cli(['resolve', '/~message@1.0&x+int=1/x']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /bad_cast/);
    assert.match(run.stderr, /int/);
  });

  it('an unknown device exits 2 naming it', async () => {
    const run = await cli(['resolve', '/~nope@1.0/x']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /device_not_found: .*nope@1\.0/);
  });

  it('a missing path exits 2', async () => {
    const run = await cli(['resolve']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /no_path/);
  });

  it('an unknown option fails', async () => {
    const run = await cli(['resolve', '--nope', '/a']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--nope/);
  });

  // A one-segment path is returned unexecuted by the engine; the CLI shows the
  // message that step builds.
  it('shows the message a one-segment path builds', async () => {
    const run = await cli(['resolve', '/~message@1.0&a=1', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout);
    assert.equal(out.status, 'ok');
    assert.equal(out.body.a, '1');
    assert.equal(out.body.device, 'message@1.0');
  });
});

describe('hyperbeam id', { concurrency: true }, () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hyperbeam-cli-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints the unsigned, signed and combined IDs of a JSON message file', async () => {
    const file = join(dir, 'message.json');
    writeFileSync(file, JSON.stringify({ a: '1', b: '2' }));
    const run = await cli(['id', file]);
    assert.equal(run.code, 0, run.stderr);
    const id = messageId({ a: '1', b: '2' });
    assert.equal(run.stdout, `unsigned: ${id}\nsigned:   ${id}\nid:       ${id}\n`);
  });

  it('different content gives a different ID', async () => {
    const file = join(dir, 'other.json');
    writeFileSync(file, JSON.stringify({ a: '1', b: '3' }));
    const run = await cli(['id', file]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`^unsigned: ${messageId({ a: '1', b: '3' })}$`, 'm'));
    assert.doesNotMatch(run.stdout, new RegExp(messageId({ a: '1', b: '2' })));
  });

  it('reads the message from stdin with -', async () => {
    const run = await cli(['id', '-'], JSON.stringify({ a: '1', b: '2' }));
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`^id: +${messageId({ a: '1', b: '2' })}$`, 'm'));
  });

  it('a missing file fails with a message', async () => {
    const run = await cli(['id', join(dir, 'missing.json')]);
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /^hyperbeam: .*missing\.json/);
  });

  it('an unknown codec exits 2', async () => {
    const file = join(dir, 'codec.json');
    writeFileSync(file, JSON.stringify({ a: '1' }));
    const run = await cli(['id', file, '--codec', 'nope@1.0']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /codec_not_found/);
  });

  it('no file exits 2', async () => {
    const run = await cli(['id']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /no_file/);
  });
});

describe('hyperbeam usage', { concurrency: true }, () => {
  it('help prints the usage and exits 0', async () => {
    const run = await cli(['help']);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /^usage: hyperbeam/);
    for (const command of ['resolve', 'id', 'start']) assert.match(run.stdout, new RegExp(command));
  });

  it('no command prints the usage and exits 0', async () => {
    const run = await cli([]);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /^usage: hyperbeam/);
  });

  it('an unknown command prints the usage and exits 2', async () => {
    const run = await cli(['frobnicate']);
    assert.equal(run.code, 2);
    assert.match(run.stdout, /^usage: hyperbeam/);
  });
});

describe('the compiled CLI (dist/)', () => {
  it('resolves a path like the sources do', {
    skip: existsSync(DIST_MAIN) ? false : 'dist/ is not built',
  }, async () => {
    const run = await cli(['resolve', '/~message@1.0&a=1/a'], undefined, DIST_MAIN);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, '1\n');
  });
});
