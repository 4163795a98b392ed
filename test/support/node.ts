/**
 * Integration-test helpers: a node on a free loopback port, and raw HTTP
 * requests (node:http, so paths reach the node exactly as written).
 */
import { generateKeyPairSync } from 'node:crypto';
import { type Agent, request } from 'node:http';
import { loadWallet, type Wallet, walletFromJwk } from '../../src/crypto/wallet.ts';
import { type RunningNode, startNode } from '../../src/http/server.ts';
import type { NodeOptions } from '../../src/node/components.ts';
import { sharedPath } from './shared.ts';

/** The node's key in tests (fixtures/key-2.json); clients sign with key-1. */
export const nodeWallet: Wallet = loadWallet(sharedPath('fixtures', 'key-2.json'));
export const clientWallet: Wallet = loadWallet(sharedPath('fixtures', 'key-1.json'));

/**
 * A fresh RSA-2048 wallet: signs several times faster than the fixtures'
 * RSA-4096 ones, for tests that sign hundreds of messages.
 */
export function quickWallet(): Wallet {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 65537 });
  return walletFromJwk({ ...privateKey.export({ format: 'jwk' }), ext: true });
}

export function startTestNode(options: NodeOptions = {}): Promise<RunningNode> {
  return startNode({
    wallet: nodeWallet,
    ...options,
    config: { port: 0, bind: '127.0.0.1', quiet: true, ...options.config },
  });
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  text: string;
}

export interface RawRequest {
  method?: string;
  path: string;
  headers?: Record<string, string | number>;
  body?: string | Uint8Array;
}

/** Send one request; the path is sent byte for byte (a connection of its own, unless an agent keeps them). */
export function send(
  node: { port: number },
  req: RawRequest,
  agent: Agent | false = false,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const out = request(
      {
        host: '127.0.0.1',
        port: node.port,
        method: req.method ?? 'GET',
        path: req.path,
        headers: req.headers ?? {},
        agent,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) {
            if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
          }
          resolve({ status: res.statusCode ?? 0, headers, body, text: body.toString('utf8') });
        });
        res.on('error', reject);
      },
    );
    out.on('error', reject);
    out.end(req.body);
  });
}
