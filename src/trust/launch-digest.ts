/**
 * The SEV-SNP launch measurement of a guest (trust.md §2): the digest AMD's
 * firmware computes over what was loaded, recomputed from the guest's
 * published hashes, so a report's `measurement` can be checked offline.
 * Each measured page folds a 112-byte PAGE_INFO record into the running
 * SHA-384 digest: the OVMF firmware (or its known digest), then OVMF's SEV
 * metadata sections (zero, secrets, CPUID pages; the page holding the
 * kernel/initrd/cmdline hash table), then one VMSA page per vCPU.
 */
import { createHash } from 'node:crypto';
import { BadRequestError } from '../core/errors.ts';

const PAGE = 4096;
/** PAGE_INFO page types. */
const PageType = { Normal: 1, Vmsa: 2, Zero: 3, Secrets: 5, Cpuid: 6 } as const;
type PageType = (typeof PageType)[keyof typeof PageType];
/** OVMF SEV metadata section types. */
const SectionType = { SnpSecMem: 1, Secrets: 2, Cpuid: 3, SvsmCaa: 4, KernelHashes: 0x10 } as const;
export const EC2 = 2;

export interface OvmfSection {
  gpa: number;
  size: number;
  type: number;
}

/** What the launch digest needs of an OVMF build. */
export interface OvmfMetadata {
  sections: OvmfSection[];
  resetEip: number;
  hashTableGpa: number;
}

/** HyperBEAM's OVMF-1.55 ("AmdSev" layout), recovered in trust.md §2.3: no file needed. */
export const HYPERBEAM_OVMF: OvmfMetadata = {
  sections: [
    { gpa: 0x800000, size: 0x9000, type: SectionType.SnpSecMem },
    { gpa: 0x80a000, size: 0x3000, type: SectionType.SnpSecMem },
    { gpa: 0x80d000, size: 0x1000, type: SectionType.Secrets },
    { gpa: 0x80e000, size: 0x1000, type: SectionType.Cpuid },
    { gpa: 0x80f000, size: 0x1000, type: SectionType.KernelHashes },
    { gpa: 0x810000, size: 0x10000, type: SectionType.SnpSecMem },
  ],
  resetEip: 0x80b004,
  hashTableGpa: 0x80fc00,
};

export interface LaunchInputs {
  /** The OVMF launch digest (48 bytes). */
  firmware: Uint8Array;
  ovmf: OvmfMetadata;
  /** SHA-256 of the kernel, the initrd and the command line (with its NUL), or none. */
  hashes?: { kernel: Uint8Array; initrd: Uint8Array; append: Uint8Array };
  vcpus: number;
  /** vcpu_type code: 5 EpycV4, 10-12 Milan, 13-14 Genoa... */
  vcpuType: number;
  /** vmm_type code: 1 QEMU, 2 EC2. */
  vmmType: number;
  guestFeatures: bigint;
}

/** GUIDs as OVMF stores them: the first three fields byte-reversed. */
function guid(text: string): Buffer {
  const hex = text.replace(/-/g, '');
  const bytes = Buffer.from(hex, 'hex');
  bytes.subarray(0, 4).reverse();
  bytes.subarray(4, 6).reverse();
  bytes.subarray(6, 8).reverse();
  return bytes;
}

const FOOTER = guid('96b582de-1fb2-45f7-baea-a366c55a082d');
const RESET_BLOCK = guid('00f771de-1a7e-4fcb-890e-68c77e2fb44e');
const HASH_TABLE = guid('7255371f-3a3b-4b04-927b-1da6efa8d454');
const METADATA = guid('dc886566-984a-4798-a75e-5585a7bf67cc');
const TABLE_HEADER = guid('9438d606-4f22-4cc9-b479-a793d411fd21');
const CMDLINE = guid('97d02dd8-bd20-4c94-aa78-e7714d36ab2a');
const INITRD = guid('44baf731-3a2f-4bd7-9af1-41e29169781d');
const KERNEL = guid('4de79437-abd2-427f-b835-d5b172d2045b');

/** Read OVMF's SEV metadata from the end of an OVMF file (its last page is enough). */
export function parseOvmf(tail: Uint8Array): OvmfMetadata {
  const file = Buffer.from(tail.buffer, tail.byteOffset, tail.byteLength);
  const bad = (why: string) => new BadRequestError('bad_ovmf', `not an SEV OVMF build: ${why}`);
  const footerAt = file.length - 32 - 18;
  if (footerAt < 0 || !file.subarray(footerAt + 2, footerAt + 18).equals(FOOTER)) {
    throw bad('no footer table');
  }
  const tableSize = file.readUInt16LE(footerAt) - 18;
  const start = footerAt - tableSize;
  if (start < 0) throw bad('the footer table is cut short');
  const entries = new Map<string, Buffer>();
  for (let end = footerAt; end - 18 >= start; ) {
    const size = file.readUInt16LE(end - 18);
    if (size < 18 || end - size < start) throw bad('a footer entry is malformed');
    entries.set(file.subarray(end - 16, end).toString('hex'), file.subarray(end - size, end - 18));
    end -= size;
  }
  const resetBlock = entries.get(RESET_BLOCK.toString('hex'));
  const hashTable = entries.get(HASH_TABLE.toString('hex'));
  const metadata = entries.get(METADATA.toString('hex'));
  if (!metadata) throw bad('no SEV metadata');
  const at = file.length - metadata.readInt32LE(0);
  if (at < 0 || file.subarray(at, at + 4).toString('latin1') !== 'ASEV') {
    throw bad('the SEV metadata header is missing');
  }
  if (file.readUInt32LE(at + 8) !== 1) throw bad('unknown SEV metadata version');
  const count = file.readUInt32LE(at + 12);
  const sections: OvmfSection[] = [];
  for (let i = 0; i < count; i++) {
    const item = at + 16 + i * 12;
    sections.push({
      gpa: file.readUInt32LE(item),
      size: file.readUInt32LE(item + 4),
      type: file.readUInt32LE(item + 8),
    });
  }
  return {
    sections,
    resetEip: resetBlock ? resetBlock.readUInt32LE(0) : 0,
    hashTableGpa: hashTable ? hashTable.readUInt32LE(0) : 0,
  };
}

/** The running launch digest (the firmware's GCTX). */
class Gctx {
  ld: Buffer;
  constructor(seed: Uint8Array) {
    this.ld = Buffer.from(seed);
  }
  update(type: PageType, gpa: number, contents: Uint8Array): void {
    const info = Buffer.alloc(0x70);
    this.ld.copy(info, 0);
    Buffer.from(contents).copy(info, 48);
    info.writeUInt16LE(0x70, 96);
    info.writeUInt8(type, 98);
    info.writeBigUInt64LE(BigInt(gpa), 104);
    this.ld = createHash('sha384').update(info).digest();
  }
  page(type: PageType, gpa: number, data?: Uint8Array): void {
    const contents =
      data === undefined ? Buffer.alloc(48) : createHash('sha384').update(data).digest();
    this.update(type, gpa, contents);
  }
}

/** The 176-byte SEV hash table (168 bytes of it used). */
export function hashTable(kernel: Uint8Array, initrd: Uint8Array, append: Uint8Array): Buffer {
  const table = Buffer.alloc(176);
  TABLE_HEADER.copy(table, 0);
  table.writeUInt16LE(168, 16);
  [
    [CMDLINE, append],
    [INITRD, initrd],
    [KERNEL, kernel],
  ].forEach(([id, hash], i) => {
    const at = 18 + i * 50;
    (id as Buffer).copy(table, at);
    table.writeUInt16LE(50, at + 16);
    Buffer.from(hash as Uint8Array).copy(table, at + 18);
  });
  return table;
}

const SIGNATURES: Record<number, number> = {
  // EPYC, EPYC-v1..v4: family 23, model 1, stepping 2.
  0: 0x00800f12,
  1: 0x00800f12,
  3: 0x00800f12,
  4: 0x00800f12,
  5: 0x00800f12,
  6: 0x00830f10,
  7: 0x00830f10,
  8: 0x00830f10,
  9: 0x00830f10,
  10: 0x00a00f11,
  11: 0x00a00f11,
  12: 0x00a00f11,
  13: 0x00a10f10,
  14: 0x00a10f10,
};

/** A vCPU's initial VMSA page, as QEMU or EC2 sets it up. */
export function vmsaPage(
  eip: number,
  vcpuType: number,
  vmmType: number,
  bsp: boolean,
  features: bigint,
): Buffer {
  const page = Buffer.alloc(PAGE);
  const ec2 = vmmType === EC2;
  const signature = SIGNATURES[vcpuType];
  if (signature === undefined)
    throw new BadRequestError('bad_vcpu_type', `unknown vcpu_type ${vcpuType}`);
  const segment = (at: number, selector: number, attrib: number, base: number) => {
    page.writeUInt16LE(selector, at);
    page.writeUInt16LE(attrib, at + 2);
    page.writeUInt32LE(0xffff, at + 4);
    page.writeBigUInt64LE(BigInt(base), at + 8);
  };
  const cs = ec2 ? (bsp ? 0x9a : 0x9b) : 0x9b;
  segment(0x00, 0, 0x93, 0);
  segment(0x10, 0xf000, cs, (eip & 0xffff0000) >>> 0);
  segment(0x20, 0, ec2 ? 0x92 : 0x93, 0);
  for (const at of [0x30, 0x40, 0x50]) segment(at, 0, 0x93, 0);
  segment(0x60, 0, 0, 0);
  segment(0x70, 0, 0x82, 0);
  segment(0x80, 0, 0, 0);
  segment(0x90, 0, ec2 ? 0x83 : 0x8b, 0);
  page.writeBigUInt64LE(0x1000n, 0xd0);
  page.writeBigUInt64LE(0x40n, 0x148);
  page.writeBigUInt64LE(0x10n, 0x158);
  page.writeBigUInt64LE(0x400n, 0x160);
  page.writeBigUInt64LE(0xffff0ff0n, 0x168);
  page.writeBigUInt64LE(2n, 0x170);
  page.writeBigUInt64LE(BigInt(eip & 0xffff), 0x178);
  page.writeBigUInt64LE(0x0007040600070406n, 0x268);
  page.writeBigUInt64LE(BigInt(ec2 ? 0 : signature), 0x310);
  page.writeBigUInt64LE(features, 0x3b0);
  page.writeBigUInt64LE(1n, 0x3e8);
  page.writeUInt32LE(ec2 ? 0 : 0x1f80, 0x408);
  page.writeUInt16LE(ec2 ? 0 : 0x37f, 0x410);
  return page;
}

const VMSA_GPA = 0xfffffffff000;

/** The launch digest a guest with these inputs gets (48 bytes). */
export function launchDigest(inputs: LaunchInputs): Buffer {
  const { ovmf, hashes, vmmType } = inputs;
  if (inputs.firmware.length !== 48) {
    throw new BadRequestError('bad_firmware', 'the firmware digest is 48 bytes');
  }
  if (!Number.isSafeInteger(inputs.vcpus) || inputs.vcpus < 1 || inputs.vcpus > 512) {
    throw new BadRequestError('bad_vcpus', 'vcpus must be between 1 and 512');
  }
  const gctx = new Gctx(inputs.firmware);
  if (hashes && !ovmf.sections.some((s) => s.type === SectionType.KernelHashes)) {
    throw new BadRequestError(
      'bad_ovmf',
      'missing SNP_KERNEL_HASHES: this OVMF cannot measure a kernel',
    );
  }
  const cpuidLater: OvmfSection[] = [];
  for (const section of ovmf.sections) {
    switch (section.type) {
      case SectionType.SnpSecMem:
      case SectionType.SvsmCaa:
        for (let off = 0; off < section.size; off += PAGE)
          gctx.page(PageType.Zero, section.gpa + off);
        break;
      case SectionType.Secrets:
        gctx.page(PageType.Secrets, section.gpa);
        break;
      case SectionType.Cpuid:
        if (vmmType === EC2) cpuidLater.push(section);
        else gctx.page(PageType.Cpuid, section.gpa);
        break;
      case SectionType.KernelHashes:
        if (hashes) {
          if (section.size !== PAGE)
            throw new BadRequestError('bad_ovmf', 'the hash table section is not one page');
          const page = Buffer.alloc(PAGE);
          hashTable(hashes.kernel, hashes.initrd, hashes.append).copy(
            page,
            ovmf.hashTableGpa & 0xfff,
          );
          gctx.page(PageType.Normal, section.gpa, page);
        } else {
          for (let off = 0; off < section.size; off += PAGE)
            gctx.page(PageType.Zero, section.gpa + off);
        }
        break;
      default:
        throw new BadRequestError('bad_ovmf', `unknown OVMF section type ${section.type}`);
    }
  }
  for (const section of cpuidLater) gctx.page(PageType.Cpuid, section.gpa);
  const bsp = vmsaPage(0xfffffff0, inputs.vcpuType, vmmType, true, inputs.guestFeatures);
  const ap =
    ovmf.resetEip > 0
      ? vmsaPage(ovmf.resetEip, inputs.vcpuType, vmmType, false, inputs.guestFeatures)
      : undefined;
  for (let i = 0; i < inputs.vcpus; i++) {
    const page = i === 0 ? bsp : ap;
    if (page) gctx.page(PageType.Vmsa, VMSA_GPA, page);
  }
  return gctx.ld;
}
