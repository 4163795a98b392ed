/**
 * A server for the HTTP bench, in its own process so the load generator does
 * not share its CPU: `node http-target.ts node|node-signed|bare [replyFile]`.
 * `bare` is plain node:http answering every request with the status, headers
 * and body recorded from the node's own answer (the physical limit).
 * Prints the port it listens on.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadWallet } from '../../src/crypto/wallet.ts';
import { sharedPath } from '../../test/support/shared.ts';
import { startLmdbNode } from '../node.ts';

const [mode = 'node', replyFile] = process.argv.slice(2);

if (mode === 'bare') {
  const reply = JSON.parse(readFileSync(replyFile as string, 'utf8')) as {
    status: number;
    headers: Record<string, string>;
    body: string;
  };
  const body = Buffer.from(reply.body, 'base64');
  const server = createServer((_req, res) => {
    res.writeHead(reply.status, { ...reply.headers, 'content-length': body.length });
    res.end(body);
  });
  server.listen(0, '127.0.0.1', () => {
    console.log((server.address() as AddressInfo).port);
  });
} else {
  const storeDir = mkdtempSync(join(tmpdir(), 'hb-bench-node-'));
  const wallet = loadWallet(sharedPath('fixtures', 'key-2.json'));
  const node = await startLmdbNode(storeDir, wallet, { force_signed: mode === 'node-signed' });
  process.once('SIGTERM', () => {
    void node.stop().finally(() => rmSync(storeDir, { recursive: true, force: true }));
  });
  console.log(node.port);
}
