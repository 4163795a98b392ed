/**
 * Access to ../shared (specs, vectors, fixtures), which sits beside the
 * project in every checkout and CI run. HB_SHARED_DIR overrides the location.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const sharedDir = process.env.HB_SHARED_DIR ?? resolve(projectRoot, '..', 'shared');

export function sharedPath(...parts: string[]): string {
  return join(sharedDir, ...parts);
}

export function readVectors<T = unknown>(file: string): T {
  return JSON.parse(readFileSync(sharedPath('vectors', file), 'utf8')) as T;
}

export function readFixture(file: string): Buffer {
  return readFileSync(sharedPath('fixtures', file));
}
