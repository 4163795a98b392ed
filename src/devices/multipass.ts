/**
 * `multipass@1.0`: makes a stack run its devices again (HyperBEAM's
 * dev_multipass). Until `pass` reaches `passes` (both default 1) it answers
 * `pass`, which restarts the fold with `pass` + 1; then it lets the state through.
 */
import { defineDevice, ok, withStatus } from '../core/device.ts';

export const multipassDevice = defineDevice({
  name: 'multipass@1.0',
  excludes: ['keys', 'set'],
  handler: (_key, base) => {
    const passes = Number(base.passes ?? 1);
    const pass = Number(base.pass ?? 1);
    return pass < passes ? withStatus('pass', base) : ok(base);
  },
});
