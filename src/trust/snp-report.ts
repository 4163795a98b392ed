/**
 * AMD SEV-SNP attestation reports, checked offline (trust.md §1.4, §1.7,
 * §1.8): the 1184-byte report (from HyperBEAM's JSON or the raw ABI form),
 * its ECDSA P-384 signature under the chip's VCEK, the VCEK certified by an
 * AMD ASK and self-signed ARK (Milan, Genoa and Turin shipped in
 * `assets/amd/`, more given as PEM), and the VCEK's extensions naming the
 * report's chip and TCB (which HyperBEAM does not check).
 */
import { createPublicKey, type KeyObject, verify, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BadRequestError } from '../core/errors.ts';

export const REPORT_SIZE = 1184;
const SIGNED = 0x2a0;
const DEBUG_POLICY = 1n << 19n;

/** What the checks read of a report. */
export interface SnpReport {
  bytes: Buffer;
  version: number;
  policy: bigint;
  vmpl: number;
  reportData: Buffer;
  measurement: Buffer;
  chipId: Buffer;
  reportedTcb: Tcb;
  currentTcb: Tcb;
}

export interface Tcb {
  bootloader: number;
  tee: number;
  snp: number;
  microcode: number;
}

export class ReportError extends BadRequestError {
  constructor(check: string, message: string) {
    super(`snp_${check}`, message, { status: 400 });
  }
}

// JSON layout (HyperBEAM's, from the sev crate): [field, offset, size, kind].
type Kind = 'u8' | 'u32' | 'u64' | 'bytes' | 'tcb';
const FIELDS: [string, number, number, Kind][] = [
  ['version', 0x000, 4, 'u32'],
  ['guest_svn', 0x004, 4, 'u32'],
  ['policy', 0x008, 8, 'u64'],
  ['family_id', 0x010, 16, 'bytes'],
  ['image_id', 0x020, 16, 'bytes'],
  ['vmpl', 0x030, 4, 'u32'],
  ['sig_algo', 0x034, 4, 'u32'],
  ['current_tcb', 0x038, 8, 'tcb'],
  ['plat_info', 0x040, 8, 'u64'],
  ['_author_key_en', 0x048, 4, 'u32'],
  ['_reserved_0', 0x04c, 4, 'u32'],
  ['report_data', 0x050, 64, 'bytes'],
  ['measurement', 0x090, 48, 'bytes'],
  ['host_data', 0x0c0, 32, 'bytes'],
  ['id_key_digest', 0x0e0, 48, 'bytes'],
  ['author_key_digest', 0x110, 48, 'bytes'],
  ['report_id', 0x140, 32, 'bytes'],
  ['report_id_ma', 0x160, 32, 'bytes'],
  ['reported_tcb', 0x180, 8, 'tcb'],
  ['chip_id', 0x1a0, 64, 'bytes'],
  ['committed_tcb', 0x1e0, 8, 'tcb'],
  ['current_build', 0x1e8, 1, 'u8'],
  ['current_minor', 0x1e9, 1, 'u8'],
  ['current_major', 0x1ea, 1, 'u8'],
  ['committed_build', 0x1ec, 1, 'u8'],
  ['committed_minor', 0x1ed, 1, 'u8'],
  ['committed_major', 0x1ee, 1, 'u8'],
  ['launch_tcb', 0x1f0, 8, 'tcb'],
];

function number(value: unknown, field: string): bigint {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  throw new ReportError('malformed', `the report's \`${field}\` is not a number`);
}

function bytesOf(value: unknown, size: number, field: string): Buffer {
  if (
    Array.isArray(value) &&
    value.length <= size &&
    value.every((b) => Number.isInteger(b) && b >= 0 && b < 256)
  ) {
    const out = Buffer.alloc(size);
    out.set(value as number[]);
    return out;
  }
  throw new ReportError('malformed', `the report's \`${field}\` is not ${size} bytes`);
}

/** HyperBEAM's report JSON as the 1184 signed bytes (missing fields are 0; reserved ones forced to 0). */
export function reportFromJson(json: unknown): Buffer {
  if (typeof json !== 'object' || json === null)
    throw new ReportError('malformed', 'the report is not a JSON object');
  const report = json as Record<string, unknown>;
  const out = Buffer.alloc(REPORT_SIZE);
  for (const [field, at, size, kind] of FIELDS) {
    const value = report[field];
    if (value === undefined) continue;
    if (kind === 'u8') out.writeUInt8(Number(number(value, field)) & 0xff, at);
    else if (kind === 'u32') out.writeUInt32LE(Number(number(value, field) & 0xffffffffn), at);
    else if (kind === 'u64') out.writeBigUInt64LE(number(value, field), at);
    else if (kind === 'bytes') bytesOf(value, size, field).copy(out, at);
    else {
      const tcb = value as Record<string, unknown>;
      out.writeUInt8(Number(number(tcb.bootloader ?? 0, `${field}.bootloader`)), at);
      out.writeUInt8(Number(number(tcb.tee ?? 0, `${field}.tee`)), at + 1);
      out.writeUInt8(Number(number(tcb.snp ?? 0, `${field}.snp`)), at + 6);
      out.writeUInt8(Number(number(tcb.microcode ?? 0, `${field}.microcode`)), at + 7);
    }
  }
  const signature = report.signature as Record<string, unknown> | undefined;
  if (signature) {
    bytesOf(signature.r, 72, 'signature.r').copy(out, 0x2a0);
    bytesOf(signature.s, 72, 'signature.s').copy(out, 0x2e8);
  }
  return out;
}

const tcbAt = (bytes: Buffer, at: number): Tcb => ({
  bootloader: bytes[at] as number,
  tee: bytes[at + 1] as number,
  snp: bytes[at + 6] as number,
  microcode: bytes[at + 7] as number,
});

/** The fields the checks need, from the 1184 bytes. */
export function parseReport(bytes: Uint8Array): SnpReport {
  if (bytes.length !== REPORT_SIZE) {
    throw new ReportError('malformed', `a report is ${REPORT_SIZE} bytes, not ${bytes.length}`);
  }
  const b = Buffer.from(bytes);
  return {
    bytes: b,
    version: b.readUInt32LE(0),
    policy: b.readBigUInt64LE(0x008),
    vmpl: b.readUInt32LE(0x030),
    reportData: b.subarray(0x050, 0x090),
    measurement: b.subarray(0x090, 0x0c0),
    chipId: b.subarray(0x1a0, 0x1e0),
    reportedTcb: tcbAt(b, 0x180),
    currentTcb: tcbAt(b, 0x038),
  };
}

export const isDebug = (report: SnpReport) => (report.policy & DEBUG_POLICY) !== 0n;

/** Whether the report's signature holds under the VCEK's P-384 key (r, s little-endian). */
export function signatureHolds(report: SnpReport, vcek: KeyObject): boolean {
  const r = Buffer.from(report.bytes.subarray(0x2a0, 0x2a0 + 48)).reverse();
  const s = Buffer.from(report.bytes.subarray(0x2e8, 0x2e8 + 48)).reverse();
  try {
    return verify(
      'sha384',
      report.bytes.subarray(0, SIGNED),
      { key: vcek, dsaEncoding: 'ieee-p1363' },
      Buffer.concat([r, s]),
    );
  } catch {
    return false;
  }
}

// AMD's VCEK extensions: 1.3.6.1.4.1.3704.1.<n>.
const AMD_OID = Buffer.from('2b060104019c7801', 'hex');

/** The value of an extension (the contents of its OCTET STRING), by the OID's last arcs. */
function extension(der: Buffer, arcs: number[]): Buffer | undefined {
  const oid = Buffer.concat([AMD_OID, Buffer.from(arcs)]);
  const marker = Buffer.concat([Buffer.from([0x06, oid.length]), oid]);
  let at = der.indexOf(marker);
  if (at < 0) return undefined;
  at += marker.length;
  if (der[at] === 0x01) at += 2 + (der[at + 1] as number); // the `critical` flag
  if (der[at] !== 0x04) return undefined;
  let length = der[at + 1] as number;
  at += 2;
  if (length & 0x80) {
    const n = length & 0x7f;
    length = der.readUIntBE(at, n);
    at += n;
  }
  return der.subarray(at, at + length);
}

/** An SPL from its extension (a DER INTEGER inside the OCTET STRING). */
function spl(der: Buffer, arcs: number[]): number | undefined {
  const value = extension(der, arcs);
  if (value?.[0] !== 0x02) return undefined;
  return value.readUIntBE(2, value[1] as number);
}

/** The chip and TCB a VCEK was issued for (its hwID and SPL extensions). */
export function tcbOf(vcek: X509Certificate): { chipId: Buffer; tcb: Tcb } {
  const der = vcek.raw;
  const chipId = extension(der, [4]);
  const tcb = {
    bootloader: spl(der, [3, 1]),
    tee: spl(der, [3, 2]),
    snp: spl(der, [3, 3]),
    microcode: spl(der, [3, 8]),
  };
  if (!chipId || Object.values(tcb).some((v) => v === undefined)) {
    throw new ReportError('bad_vcek', 'the VCEK names no chip or TCB');
  }
  return { chipId: Buffer.from(chipId), tcb: tcb as Tcb };
}

/** Whether the VCEK was issued for the report's chip and its reported TCB. */
export function vcekMatches(report: SnpReport, vcek: X509Certificate): boolean {
  let issued: { chipId: Buffer; tcb: Tcb };
  try {
    issued = tcbOf(vcek);
  } catch {
    return false;
  }
  const tcb = report.reportedTcb;
  return (
    issued.chipId.equals(report.chipId) &&
    issued.tcb.bootloader === tcb.bootloader &&
    issued.tcb.tee === tcb.tee &&
    issued.tcb.snp === tcb.snp &&
    issued.tcb.microcode === tcb.microcode
  );
}

export interface Root {
  product: string;
  ark: X509Certificate;
  ask: X509Certificate;
}

const ASSETS = new URL('../../assets/amd/', import.meta.url);

/** The AMD roots this node ships (Milan, Genoa, Turin), each chain checked. */
export function shippedRoots(): Root[] {
  return ['milan', 'genoa', 'turin'].map((product) => ({
    product,
    ark: new X509Certificate(readFileSync(fileURLToPath(new URL(`${product}-ark.pem`, ASSETS)))),
    ask: new X509Certificate(readFileSync(fileURLToPath(new URL(`${product}-ask.pem`, ASSETS)))),
  }));
}

/** Roots from PEM text holding an ASK then its ARK (AMD KDS's cert_chain form). */
export function rootsFromPem(pem: string): Root[] {
  const certs = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const roots: Root[] = [];
  for (let i = 0; i + 1 < certs.length; i += 2) {
    roots.push({
      product: 'configured',
      ask: new X509Certificate(certs[i] as string),
      ark: new X509Certificate(certs[i + 1] as string),
    });
  }
  return roots;
}

/** The root a VCEK chains to: its ARK self-signed, the ASK signed by the ARK, the VCEK by the ASK. */
export function chainOf(vcek: X509Certificate, roots: Root[]): Root | undefined {
  return roots.find(
    ({ ark, ask }) =>
      ark.verify(ark.publicKey) && ask.verify(ark.publicKey) && vcek.verify(ask.publicKey),
  );
}

/** A VCEK from DER or PEM bytes, or standard base64 of the DER. */
export function vcekFrom(value: Uint8Array | string): X509Certificate {
  try {
    const bytes = typeof value === 'string' ? Buffer.from(value, 'base64') : Buffer.from(value);
    const cert = new X509Certificate(bytes);
    createPublicKey(cert.publicKey.export({ format: 'pem', type: 'spki' }));
    return cert;
  } catch {
    throw new ReportError('bad_vcek', 'the VCEK is not a certificate');
  }
}

export interface ReportVerdict {
  ok: boolean;
  /** The first check that failed. */
  failed?: string;
  product?: string;
}

/** The report's own checks: chain, VCEK for this chip and TCB, signature, not a debug guest. */
export function checkReport(
  report: SnpReport,
  vcek: X509Certificate,
  roots: Root[],
): ReportVerdict {
  const root = chainOf(vcek, roots);
  if (!root) return { ok: false, failed: 'the VCEK is not certified by a trusted AMD root' };
  if (!vcekMatches(report, vcek)) {
    return { ok: false, failed: "the VCEK was issued for another chip or TCB than the report's" };
  }
  if (!signatureHolds(report, vcek.publicKey)) {
    return { ok: false, failed: 'the report signature does not verify under the VCEK' };
  }
  if (isDebug(report)) return { ok: false, failed: 'the guest policy allows debugging' };
  return { ok: true, product: root.product };
}
