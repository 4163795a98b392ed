/**
 * `multipass@1.0`: makes a stack run its devices again (HyperBEAM's
 * dev_multipass). Until `pass` reaches `passes` (both default 1) it answers
 * `pass`, which restarts the fold with `pass` + 1; then it lets the state through.
 * It only acts in a stack (a message with a `device-stack`): elsewhere its
 * keys are message@1.0's, so an unknown key is a 404, not the state.
 */
import { defineDevice, type Handler, ok, withStatus } from '../engine/device.ts';
import { stackedOnly } from './stack.ts';

const handler: Handler = (_key, base) => {
  const passes = Number(base.passes ?? 1);
  const pass = Number(base.pass ?? 1);
  return pass < passes ? withStatus('pass', base) : ok(base);
};

export const multipassDevice = defineDevice({
  name: 'multipass@1.0',
  excludes: ['keys', 'set'],
  handler,
  info: stackedOnly(handler),
});
