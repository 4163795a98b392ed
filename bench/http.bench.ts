/**
 * Requests per second of `GET /~message@1.0&a=1/a` over HTTP, measured with
 * autocannon against servers in child processes: our node with signed
 * responses off and on, against bare node:http answering the same bytes;
 * and 50 concurrent clients reading `GET /~meta@1.0/info` (signed, as by
 * default), with the slowest 1% of answers.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { httpRate, report } from './harness.ts';

const TARGET = join(dirname(fileURLToPath(import.meta.url)), 'servers', 'http-target.ts');
const PATH = '/~message@1.0&a=1/a';

async function serve(...args: string[]): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(process.execPath, [TARGET, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.setEncoding('utf8').once('data', (d: string) => resolve(Number(d.trim())));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { port, child };
}

/** The node's answer to `path`, to be replayed by the bare server. */
function capture(
  port: number,
  path = PATH,
): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) {
          if (
            typeof v === 'string' &&
            !['date', 'connection', 'keep-alive', 'content-length'].includes(k)
          ) {
            headers[k] = v;
          }
        }
        resolve({
          status: res.statusCode ?? 0,
          headers,
          body: Buffer.concat(chunks).toString('base64'),
        });
      });
    })
      .on('error', reject)
      .end();
  });
}

const dir = mkdtempSync(join(tmpdir(), 'hb-bench-'));
const servers: ChildProcess[] = [];

/** The node's answer to `path`, kept in a file for the bare server. */
async function replyFile(name: string, port: number, path: string): Promise<string> {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(await capture(port, path)));
  return file;
}
try {
  const unsigned = await serve('node');
  servers.push(unsigned.child);
  const bare = await serve('bare', await replyFile('reply.json', unsigned.port, PATH));
  servers.push(bare.child);
  const signed = await serve('node-signed');
  servers.push(signed.child);

  const baseline = await httpRate('node:http', `http://127.0.0.1:${bare.port}${PATH}`);
  report(
    'HTTP GET, unsigned responses',
    await httpRate('node', `http://127.0.0.1:${unsigned.port}${PATH}`),
    baseline,
  );
  report(
    'HTTP GET, signed responses (RSA-4096)',
    await httpRate('node-signed', `http://127.0.0.1:${signed.port}${PATH}`),
    baseline,
  );

  const INFO = '/~meta@1.0/info';
  const bareInfo = await serve('bare', await replyFile('info.json', signed.port, INFO));
  servers.push(bareInfo.child);
  const fifty = { connections: 50 };
  const info = await httpRate('node-signed', `http://127.0.0.1:${signed.port}${INFO}`, fifty);
  report(
    `50 clients, GET ${INFO} (p99 ${info.p99} ms)`,
    info,
    await httpRate('node:http', `http://127.0.0.1:${bareInfo.port}${INFO}`, fifty),
  );
} finally {
  for (const child of servers) child.kill();
  rmSync(dir, { recursive: true, force: true });
}
