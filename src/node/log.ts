/**
 * Event printing, by topic (HyperBEAM's `debug_print`): `true` prints every
 * topic, a list (or comma-separated text, as `HB_PRINT` gives it) prints
 * those topics. Errors a node cannot answer cleanly always print.
 */
import type { Opts } from '../engine/context.ts';

export type Topic = 'http' | 'http_short' | 'http_error' | 'hook' | (string & {});

export function printsTopic(opts: Opts, topic: Topic): boolean {
  const setting = opts.debug_print;
  if (setting === true || topic === 'http_error') return true;
  const topics =
    typeof setting === 'string' ? setting.split(',') : Array.isArray(setting) ? setting : [];
  return topics.some((t) => String(t).trim() === topic);
}

export function log(opts: Opts, topic: Topic, text: string): void {
  if (opts.quiet === true || !printsTopic(opts, topic)) return;
  process.stderr.write(`[${topic}] ${text}\n`);
}

/** `HB_PRINT`: `1` or `true` prints everything, else a comma list of topics. */
export function parsePrintSetting(value: string): boolean | string[] {
  if (value === '1' || value === 'true') return true;
  return value
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
}
