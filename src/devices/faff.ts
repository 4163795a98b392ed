/**
 * `faff@1.0` (HyperBEAM's dev_faff): a node that serves only the signers on
 * its `faff_allow_list`, for free. As p4@1.0's pricing device, `estimate` is
 * 0 when every signer of the request is listed (an unsigned request has no
 * signer, so passes) and `infinity` otherwise, which p4 answers with 400; as
 * its ledger, `charge` (and `debit`) always succeed.
 */
import { defineDevice, ok } from '../engine/device.ts';
import { signersOf } from './payment-terms.ts';

export const faffDevice = defineDevice({
  name: 'faff@1.0',
  exports: ['estimate', 'charge', 'debit'],
  volatile: true,
  keys: {
    estimate: (_base, req, ctx) => {
      const allowed = ctx.config.faff_allow_list.map(String);
      const signers = signersOf(req.request);
      return ok(signers.every((signer) => allowed.includes(signer)) ? 0 : 'infinity');
    },
    charge: () => ok(true),
    debit: () => ok(true),
  },
});
