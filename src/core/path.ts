/**
 * Request paths: a `path` value split into the keys to resolve in turn.
 * `a/b/c` -> [a, b, c]; `/` -> []; '' -> nothing to resolve; lists flatten;
 * `As` elements (a key to run with another device) pass through.
 */
import { BadRequestError } from './errors.ts';
import { As, Atom, describe, normalizeKey, type Value } from './message.ts';

export type PathPart = string | As;

export function pathParts(path: Value | As | undefined): PathPart[] | undefined {
  if (path === undefined) return undefined;
  if (typeof path === 'string') {
    if (path === '') return undefined;
    if (path === '/') return [];
    return path.split('/').filter((p) => p.length > 0);
  }
  if (Array.isArray(path)) {
    if (path.length === 0) return undefined;
    return path.flatMap((p) => pathParts(p as Value) ?? []);
  }
  if (typeof path === 'number') return [String(path)];
  if (path instanceof Atom) return [path.name];
  if (path instanceof As) {
    const device = typeof path.device === 'string' ? normalizeKey(path.device) : path.device;
    return [new As(device, path.msg)];
  }
  throw new BadRequestError('bad_path', `cannot use ${describe(path)} as a path`);
}

/** The first key of a request's path. */
export function firstKey(path: Value | As | undefined): PathPart | undefined {
  return pathParts(path)?.[0];
}
