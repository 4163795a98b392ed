/**
 * What this node was built from: the package version and, when run from a
 * git checkout, its commit. Read once, from files (no `git` process).
 */
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

export interface BuildInfo {
  version: string;
  source: string;
  builtAt: number;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function gitCommit(): string {
  const head = read(join(root, '.git', 'HEAD'));
  if (!head) return 'unknown';
  if (!head.startsWith('ref: ')) return head;
  const ref = head.slice(5);
  const loose = read(join(root, '.git', ref));
  if (loose) return loose;
  const packed = read(join(root, '.git', 'packed-refs')) ?? '';
  const line = packed.split('\n').find((l) => l.endsWith(` ${ref}`));
  return line?.split(' ')[0] ?? 'unknown';
}

let cached: BuildInfo | undefined;

export function buildInfo(): BuildInfo {
  if (!cached) {
    const pkg = JSON.parse(read(join(root, 'package.json')) ?? '{}') as { version?: string };
    const here = fileURLToPath(import.meta.url);
    cached = {
      version: pkg.version ?? '0.0.0',
      source: gitCommit(),
      builtAt: Math.floor(statSync(here).mtimeMs / 1000),
    };
  }
  return cached;
}
