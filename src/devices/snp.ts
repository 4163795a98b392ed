/**
 * `snp@1.0` (HyperBEAM's dev_snp): AMD SEV-SNP attestation of a node.
 *   POST verify   the report message (the request, or its `body`) holds when:
 *                 its `nonce` is `address ‖ unsigned ID of node-message`; it is
 *                 signed by `address`; (with `snp_strict`, `report_data` is the
 *                 nonce;) the report is signed by a VCEK (the message's `vcek`,
 *                 base64 DER, else one kept at
 *                 `snp-vceks/<chip id>/<bl>-<tee>-<snp>-<ucode>`) certified by an
 *                 AMD root (shipped, or `snp_cert_chain`) and issued for the
 *                 report's chip and TCB, for a guest that is not debuggable;
 *                 every `local-hashes` value is trusted (`snp_trusted`, any
 *                 entry per key, strictly typed); and the launch measurement
 *                 recomputed from `local-hashes` is the report's. Answers `true`, or `false` with
 *                 the failed check as `reason`.
 *   trusted       `{key, body}`: whether some `snp_trusted` entry has that value
 *   generate      HyperBEAM's report message for this node: needs SEV-SNP
 *                 hardware (refused with a 503 without it), or for tests a
 *                 stand-in VCEK (`snp_test_vcek`, `priv_snp_test_vcek_key`)
 * Differences: HyperBEAM downloads certificates at verify time, checks Milan
 * only, never compares report_data (unless strict here), hardcodes 32 vCPUs
 * in the measurement, and crashes on a bad signature; none of that here.
 */
import { createPrivateKey } from 'node:crypto';
import { existsSync } from 'node:fs';
import { committersOf, verifyMessage } from '../codecs/commitments.ts';
import { fromBase64, fromBase64url, isBinary, toBytes } from '../core/binary.ts';
import { HbError } from '../core/errors.ts';
import { isMessage, type Message, type Value, valueEquals } from '../core/message.ts';
import type { Context } from '../engine/context.ts';
import { defineDevice, fail, ok, type Result } from '../engine/device.ts';
import { unsignedMessageId } from '../engine/ids.ts';
import { HYPERBEAM_OVMF, type LaunchInputs, launchDigest } from '../trust/launch-digest.ts';
import { testReport } from '../trust/snp-generate.ts';
import {
  checkReport,
  parseReport,
  type Root,
  reportFromJson,
  rootsFromPem,
  type SnpReport,
  shippedRoots,
  vcekFrom,
} from '../trust/snp-report.ts';
import { nodeMessageView } from './meta.ts';

const COMMITTED = [
  'vcpus',
  'vcpu_type',
  'vmm_type',
  'guest_features',
  'firmware',
  'kernel',
  'initrd',
  'append',
];
const SNP_DEVICE = '/dev/sev-guest';

class Refused extends Error {}
const refuse = (reason: string): never => {
  throw new Refused(reason);
};

/** The report message a request carries: its `body`, or itself. */
export function reportMessage(req: Message, ctx: Context): Message {
  const body = req.body;
  if (isMessage(body)) return body;
  return ctx.request?.message ?? req;
}

function decodeId(value: Value | undefined, what: string): Buffer {
  if (typeof value !== 'string') return refuse(`the message has no ${what}`);
  try {
    // HyperBEAM writes some in standard base64, with padding.
    return Buffer.from(fromBase64(value));
  } catch {
    return refuse(`the ${what} is not base64`);
  }
}

function hexOf(value: Value | undefined, bytes: number, key: string): Buffer {
  if (typeof value !== 'string' || !new RegExp(`^[0-9a-f]{${bytes * 2}}$`).test(value)) {
    return refuse(`local-hashes/${key} is not ${bytes} bytes of lower-case hex`);
  }
  return Buffer.from(value, 'hex');
}

function integerOf(value: Value | undefined, key: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    return refuse(`local-hashes/${key} is not an integer`);
  }
  return value;
}

/** The launch inputs `local-hashes` names. */
function softwareOf(local: Message): Omit<LaunchInputs, 'ovmf'> {
  return {
    firmware: hexOf(local.firmware, 48, 'firmware'),
    hashes: {
      kernel: hexOf(local.kernel, 32, 'kernel'),
      initrd: hexOf(local.initrd, 32, 'initrd'),
      append: hexOf(local.append, 32, 'append'),
    },
    vcpus: integerOf(local.vcpus, 'vcpus'),
    vcpuType: integerOf(local.vcpu_type, 'vcpu_type'),
    vmmType: integerOf(local.vmm_type, 'vmm_type'),
    guestFeatures: BigInt(integerOf(local.guest_features, 'guest_features')),
  };
}

/**
 * `generate`: HyperBEAM's report message (with `extra` keys, signed with
 * them). Without SEV-SNP hardware, only for tests: signed by the test VCEK's
 * key (`snp_test_vcek`).
 */
export async function attest(ctx: Context, extra: Message = {}): Promise<Result> {
  const { snp_test_vcek: vcekText, priv_snp_test_vcek_key: keyText } = ctx.config;
  if (!vcekText || !keyText) {
    return fail(
      503,
      existsSync(SNP_DEVICE)
        ? 'This node cannot drive this SEV-SNP device: it verifies reports, it does not make them.'
        : `This node runs without SEV-SNP hardware (no ${SNP_DEVICE}): it cannot attest itself.`,
    );
  }
  const trusted = ctx.config.snp_trusted[0];
  if (!isMessage(trusted))
    return fail(400, 'snp_trusted is empty: this node names no software to attest.');
  const { wallet, codecs } = ctx.services;
  const nodeMessage = nodeMessageView(ctx.config, ctx.services);
  const nonce = Buffer.concat([
    fromBase64url(wallet.address),
    fromBase64url(unsignedMessageId(nodeMessage)),
  ]);
  let report: string;
  let vcek: ReturnType<typeof vcekFrom>;
  try {
    vcek = vcekFrom(vcekText.includes('BEGIN') ? Buffer.from(vcekText) : vcekText);
    report = testReport(nonce, softwareOf(trusted), vcek, createPrivateKey(keyText));
  } catch (e) {
    if (e instanceof Refused) return fail(400, `snp_trusted[0]: ${e.message}`);
    if (e instanceof HbError) return fail(400, e.message);
    return fail(400, `The test VCEK or its key cannot sign: ${(e as Error).message}`);
  }
  const message: Message = {
    address: wallet.address,
    nonce: nonce.toString('base64url'),
    'node-message': nodeMessage,
    'local-hashes': trusted,
    report,
    vcek: vcek.raw.toString('base64'),
    ...extra,
  };
  return ok(await codecs.committer('httpsig@1.0').commit(message, {}, { wallet }));
}

function isTrusted(key: string, value: Value | undefined, ctx: Context): boolean {
  if (value === undefined) return false;
  return ctx.config.snp_trusted.some(
    (entry) =>
      isMessage(entry) && entry[key] !== undefined && valueEquals(entry[key] as Value, value),
  );
}

function rootsOf(ctx: Context): Root[] {
  const pem = ctx.config.snp_cert_chain;
  return pem ? [...shippedRoots(), ...rootsFromPem(pem)] : shippedRoots();
}

async function vcekOf(msg: Message, report: SnpReport, ctx: Context) {
  if (isBinary(msg.vcek))
    return vcekFrom(typeof msg.vcek === 'string' ? msg.vcek : toBytes(msg.vcek));
  const tcb = report.reportedTcb;
  const path = `snp-vceks/${report.chipId.toString('hex')}/${tcb.bootloader}-${tcb.tee}-${tcb.snp}-${tcb.microcode}`;
  const kept = await ctx.services.messages.readLocal(path);
  return kept ? vcekFrom(kept) : refuse("the chip's VCEK is neither in the message nor kept here");
}

/** Each of HyperBEAM's checks (and the report's own), in order; throws Refused with the first that fails. */
async function check(msg: Message, ctx: Context): Promise<void> {
  const address =
    typeof msg.address === 'string' ? msg.address : refuse('the message names no address');
  const nodeMessage = isMessage(msg['node-message'])
    ? msg['node-message']
    : refuse('the message has no node-message');
  const nonce = decodeId(msg.nonce, 'nonce');
  const expected = Buffer.concat([
    decodeId(address, 'address'),
    decodeId(unsignedMessageId(nodeMessage), 'node-message ID'),
  ]);
  if (!nonce.equals(expected)) refuse('the nonce is not the address and the node message ID');
  if (
    !committersOf(msg).includes(address) ||
    !(await verifyMessage(msg, {}, ctx.services.codecs))
  ) {
    refuse('the message is not signed by its address');
  }
  if (typeof msg.report !== 'string') refuse('the message carries no report');
  let report: SnpReport;
  try {
    report = parseReport(reportFromJson(JSON.parse(msg.report as string)));
  } catch (e) {
    if (e instanceof HbError || e instanceof SyntaxError)
      return refuse(`the report is malformed: ${e.message}`);
    throw e;
  }
  if (ctx.config.snp_strict && !report.reportData.equals(nonce))
    refuse('report_data is not the nonce');
  const verdict = checkReport(report, await vcekOf(msg, report, ctx), rootsOf(ctx));
  if (!verdict.ok) refuse(verdict.failed as string);
  const local = isMessage(msg['local-hashes'])
    ? msg['local-hashes']
    : refuse('the message has no local-hashes');
  for (const key of COMMITTED) {
    if (!isTrusted(key, local[key], ctx)) refuse(`local-hashes/${key} is not trusted here`);
  }
  const measured = launchDigest({ ...softwareOf(local), ovmf: HYPERBEAM_OVMF });
  if (!measured.equals(report.measurement)) refuse("the launch measurement is not the report's");
}

/** Why a report message does not hold here (undefined when it does). */
export async function refusalOf(msg: Message, ctx: Context): Promise<string | undefined> {
  try {
    await check(msg, ctx);
    return undefined;
  } catch (e) {
    if (e instanceof Refused || (e instanceof HbError && e.status < 500)) return e.message;
    throw e;
  }
}

async function verify(req: Message, ctx: Context): Promise<Result> {
  const reason = await refusalOf(reportMessage(req, ctx), ctx);
  return ok(reason === undefined ? 'true' : { body: 'false', reason });
}

export const snpDevice = defineDevice({
  name: 'snp@1.0',
  exports: ['verify', 'trusted', 'generate'],
  keys: {
    verify: (_base, req, ctx) => verify(req, ctx),
    trusted: (_base, req, ctx) =>
      ok(typeof req.key === 'string' && isTrusted(req.key, req.body, ctx)),
    generate: (_base, _req, ctx) => attest(ctx),
  },
});
