/**
 * `hyperbuddy@1.0`: the node's web page (HyperBEAM's dev_hyperbuddy).
 *   GET /~hyperbuddy@1.0/index     the page: node information, devices, a HyperPATH console
 *   GET /~hyperbuddy@1.0/metrics   the node's counters, Prometheus text (`prometheus: false` hides them)
 *   GET <msg>/format~hyperbuddy@1.0   a message, pretty-printed
 * plus the page's `styles.css` and `main.js`. Any other key is 404.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { formatValue } from '../core/format.ts';
import { NOT_FOUND, omit } from '../core/message.ts';
import { defineDevice, error, ok } from '../engine/device.ts';

const ASSETS = new URL('../../assets/hyperbuddy/', import.meta.url);

const FILES: Record<string, [file: string, type: string]> = {
  index: ['index.html', 'text/html; charset=utf-8'],
  'styles.css': ['styles.css', 'text/css; charset=utf-8'],
  'main.js': ['main.js', 'text/javascript; charset=utf-8'],
};

const cache = new Map<string, string>();

function asset(file: string): string {
  let text = cache.get(file);
  if (text === undefined) {
    text = readFileSync(fileURLToPath(new URL(file, ASSETS)), 'utf8');
    cache.set(file, text);
  }
  return text;
}

export const hyperbuddyDevice = defineDevice({
  name: 'hyperbuddy@1.0',
  // Other keys (`set`, `keys`...) are message@1.0's, so `?k=v` queries work on these pages.
  exports: [...Object.keys(FILES), 'metrics', 'format'],
  volatile: ['metrics'],
  keys: {
    metrics: (_base, _req, ctx) => {
      if (!ctx.config.prometheus) return ok({ body: 'Prometheus metrics disabled.' });
      const text = ctx.services.metrics.text();
      return ok({ 'content-type': 'text/plain; version=0.0.4', body: text });
    },
    format: (base) =>
      ok({
        'content-type': 'text/plain; charset=utf-8',
        body: formatValue(omit(base, ['device'])),
      }),
  },
  default: (key) => {
    const entry = Object.hasOwn(FILES, key) ? FILES[key] : undefined;
    if (!entry) return error(NOT_FOUND);
    return ok({ 'content-type': entry[1], body: asset(entry[0]) });
  },
});
