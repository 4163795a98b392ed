/**
 * Event printing, by topic (HyperBEAM's `debug_print`): `true` prints every
 * topic, a list (or comma-separated text, as `HB_PRINT` gives it) prints
 * those topics. Errors a node cannot answer cleanly always print, unless the
 * node is `quiet` (tests).
 */
import type { NodeConfig } from '../config/schema.ts';

export type Topic = 'http' | 'http_short' | 'http_error' | 'hook' | (string & {});

export function printsTopic(config: NodeConfig, topic: Topic): boolean {
  const setting = config.debug_print;
  if (setting === true || topic === 'http_error') return true;
  return Array.isArray(setting) && setting.some((t) => String(t).trim() === topic);
}

export function log(config: NodeConfig, topic: Topic, text: string): void {
  if (config.quiet === true || !printsTopic(config, topic)) return;
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
