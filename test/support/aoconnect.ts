/**
 * The current @permaweb/aoconnect in mainnet mode, typed for tests (its own
 * types are loose), with the fixture key's signer.
 */
import { readFileSync } from 'node:fs';
import { connect, createSigner } from '@permaweb/aoconnect';
import { sharedPath } from './shared.ts';

export type Tag = { name: string; value: string };
export type Signer = (
  create: (args: object) => Promise<Uint8Array>,
  kind: string,
) => Promise<unknown>;
export interface LegacyResult {
  Output: { data?: unknown; [key: string]: unknown };
  Messages: { Target?: string; Data?: string; Tags?: Tag[] }[];
  Spawns: unknown[];
  Assignments: unknown[];
  Error?: unknown;
}
export interface Mainnet {
  spawn(args: { module: string; tags?: Tag[]; data?: string }): Promise<string>;
  message(args: {
    process: string;
    tags?: Tag[];
    data?: string;
    returnMessageId?: boolean;
    returnAssignmentSlot?: boolean;
    opts?: { fullResponse?: boolean };
  }): Promise<unknown>;
  result(args: {
    process: string;
    slot?: number | string;
    message?: string;
  }): Promise<LegacyResult>;
  results(args: { process: string }): Promise<{ edges: { cursor: string; node: LegacyResult }[] }>;
  dryrun(args: { process: string; tags?: Tag[]; data?: string }): Promise<LegacyResult>;
  request(args: Record<string, unknown>): Promise<Response>;
}

export const jwk = JSON.parse(readFileSync(sharedPath('fixtures', 'key-1.json'), 'utf8'));
export const rsaSigner = createSigner(jwk) as Signer;

/** aoconnect in mainnet mode against a node (its own types are loose). */
export const mainnet = (url: string, signer: Signer): Mainnet =>
  connect({ MODE: 'mainnet', URL: url, signer: signer as never }) as unknown as Mainnet;

export const tags = (entries: Record<string, string>): Tag[] =>
  Object.entries(entries).map(([name, value]) => ({ name, value }));
