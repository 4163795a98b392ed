/**
 * Reports this node signs itself, for tests only: a report shaped exactly
 * like a real one (HyperBEAM's JSON, trust.md §1.4), for the chip and TCB a
 * test VCEK certificate names, with the measurement of the given software,
 * signed by that VCEK's P-384 key. A verifier that trusts the test VCEK's
 * roots (`snp_cert_chain`) checks it like any report; nothing else does.
 */
import { type KeyObject, sign, type X509Certificate } from 'node:crypto';
import { HYPERBEAM_OVMF, type LaunchInputs, launchDigest } from './launch-digest.ts';
import { REPORT_SIZE, reportFromJson, tcbOf } from './snp-report.ts';

const tcbJson = (tcb: { bootloader: number; tee: number; snp: number; microcode: number }) => ({
  bootloader: tcb.bootloader,
  tee: tcb.tee,
  _reserved: [0, 0, 0, 0],
  snp: tcb.snp,
  microcode: tcb.microcode,
});

const zeros = (n: number) => new Array<number>(n).fill(0);

/** A signed report (as its JSON text) binding `reportData`, for `software`. */
export function testReport(
  reportData: Uint8Array,
  software: Omit<LaunchInputs, 'ovmf'>,
  vcek: X509Certificate,
  key: KeyObject,
): string {
  const { chipId, tcb } = tcbOf(vcek);
  const report: Record<string, unknown> = {
    version: 2,
    guest_svn: 0,
    policy: 0x30000,
    family_id: zeros(16),
    image_id: zeros(16),
    vmpl: 1,
    sig_algo: 1,
    current_tcb: tcbJson(tcb),
    plat_info: 3,
    _author_key_en: 0,
    _reserved_0: 0,
    report_data: [...reportData],
    measurement: [...launchDigest({ ...software, ovmf: HYPERBEAM_OVMF })],
    host_data: zeros(32),
    id_key_digest: zeros(48),
    author_key_digest: zeros(48),
    report_id: zeros(32),
    report_id_ma: zeros(32),
    reported_tcb: tcbJson(tcb),
    _reserved_1: zeros(24),
    chip_id: [...chipId],
    committed_tcb: tcbJson(tcb),
    current_build: 20,
    current_minor: 55,
    current_major: 1,
    _reserved_2: 0,
    committed_build: 20,
    committed_minor: 55,
    committed_major: 1,
    _reserved_3: 0,
    launch_tcb: tcbJson(tcb),
    _reserved_4: zeros(168),
  };
  const bytes = reportFromJson(report);
  const signature = sign('sha384', bytes.subarray(0, 0x2a0), { key, dsaEncoding: 'ieee-p1363' });
  const r = Buffer.alloc(72);
  const s = Buffer.alloc(72);
  Buffer.from(signature.subarray(0, 48)).reverse().copy(r);
  Buffer.from(signature.subarray(48, 96)).reverse().copy(s);
  report.signature = { r: [...r], s: [...s], _reserved: zeros(368) };
  if (reportFromJson(report).length !== REPORT_SIZE) throw new Error('report size');
  return JSON.stringify(report);
}
