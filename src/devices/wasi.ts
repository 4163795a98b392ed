/**
 * `wasi@1.0`: the WASI environment of a WASM process (HyperBEAM's dev_wasi).
 * `init` mounts WASI as the `wasm` prefix's import library and sets up the
 * virtual files (stdin, stdout, stderr) and their descriptors; the calls
 * themselves run beside the instance (src/wasm/instance.ts), which appends
 * what the module writes to `vfs/dev/stdout`. `stdout` reads it.
 */

import { valueAt, withValueAt } from '../core/message.ts';
import { defineDevice, ok } from '../engine/device.ts';

export const wasiDevice = defineDevice({
  name: 'wasi@1.0',
  keys: {
    init: (base) => {
      let state = withValueAt(base, 'wasm/stdlib/wasi_snapshot_preview1', { device: 'wasi@1.0' });
      state = {
        ...state,
        'file-descriptors': {
          '0': { filename: '/dev/stdin', offset: 0 },
          '1': { filename: '/dev/stdout', offset: 0 },
          '2': { filename: '/dev/stderr', offset: 0 },
        },
        vfs: { dev: { stdin: '', stdout: '', stderr: '' } },
      };
      return ok(state);
    },
    compute: (base) => ok(base),
    stdout: (base) => ok(valueAt(base, 'vfs/dev/stdout') ?? ''),
  },
});
