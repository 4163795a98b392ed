/**
 * SEV-SNP launch digests (trust.md §2, §5.2): HyperBEAM's NIF test vector,
 * two measurements real hardware reported, the intermediate values, and
 * OVMF metadata read from firmware tails.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { readFixture } from '../../test/support/shared.ts';
import {
  HYPERBEAM_OVMF,
  hashTable,
  type LaunchInputs,
  launchDigest,
  parseOvmf,
  vmsaPage,
} from './launch-digest.ts';

const hex = (text: string) => Buffer.from(text, 'hex');
const sha384 = (data: Uint8Array) => createHash('sha384').update(data).digest('hex');
const FIRMWARE = hex(
  'b8c5d4082d5738db6b0fb0294174992738645df70c44cdecf7fad3a62244b788e7e408c582ee48a74b289f3acec78510',
);
const KERNEL = hex('69d0cd7d13858e4fcef6bc7797aebd258730f215bc5642c4ad8e4b893cc67576');
const base = (vcpus: number, initrd: string, append: string): LaunchInputs => ({
  firmware: FIRMWARE,
  ovmf: HYPERBEAM_OVMF,
  vcpus,
  vcpuType: 5,
  vmmType: 1,
  guestFeatures: 1n,
  hashes: { kernel: KERNEL, initrd: hex(initrd), append: hex(append) },
});
const NIF_TEST = base(
  32,
  '02e28b6c718bf0a5260d6f34d3c8fe0d71bf5f02af13e1bc695c6bc162120da1',
  '56e1e5190622c8c6b9daa4fe3ad83f3831c305bb736735bf795b284cb462c9e7',
);

describe('launch digest', () => {
  it("reproduces HyperBEAM's NIF test vector, 32 vCPUs (LD-06)", () => {
    assert.equal(
      launchDigest(NIF_TEST).toString('base64url'),
      'wmSDSQYuzE2M3rQcourJnDJHgalADM8TBev3gyjM5ObRNOn8oglvVznFbaWhajU_',
    );
  });

  it('reproduces measurements real hardware reported, honouring vcpus (LD-07, LD-08)', () => {
    const admissible = base(
      32,
      '544045560322dbcd2c454bdc50f35edf0147829ec440e6cb487b4a1503f923c1',
      '95a34faced5e487991f9cc2253a41cbd26b708bf00328f98dddbbf6b3ea2892e',
    );
    assert.equal(
      launchDigest(admissible).toString('hex'),
      '87a66765a6781512346ecb47511165c26b6da3e729973d9710a0c567c74aa657823af0c162d516f8430054ffa32ec249',
    );
    const oneVcpu = base(
      1,
      '853ebf56bc6ba5f08bd5583055a457898ffa3545897bee00103d3066b8766f5c',
      '6cb8a0082b483849054f93b203aa7d98439736e44163d614f79380ca368cc77e',
    );
    assert.equal(
      launchDigest(oneVcpu).toString('hex'),
      'e14c88108a2d3b9864b33790dd6275e346b077271be714f6387cc6a4faf98da97e101b34f19a59e49707523990c3156c',
    );
  });

  it('matches the intermediate values (LD-10)', () => {
    const sections = { ...NIF_TEST, vcpus: 1 };
    assert.equal(
      launchDigest(sections).toString('hex'),
      '2e181b83fa677847f911b6a3d6bbb794816eed15c76388c15678d277e624ec3d2322bc99dda2dd92ce183967e36a3296',
    );
    assert.equal(
      sha384(vmsaPage(0xfffffff0, 5, 1, true, 1n)),
      '77920c4c629ff47e90c0e174fc1ad0eb6fa664f88cd4739488058a8c6cb1a77b3856f55378e9518d0da99452d51c553a',
    );
    assert.equal(
      sha384(vmsaPage(0x80b004, 5, 1, false, 1n)),
      '8413b852790765a310d95867a8b00bfca3a802b5a80830044b45e253fe96222657e11e53fcf63eb0e0afd722385bf7b4',
    );
    const { kernel, initrd, append } = NIF_TEST.hashes as NonNullable<LaunchInputs['hashes']>;
    const page = Buffer.alloc(4096);
    hashTable(kernel, initrd, append).copy(page, 0xc00);
    assert.equal(
      sha384(page),
      'f2b943b047fa98691cf0d90c9aee2f1909a2a460aeaf5b96b45b4fe52c299bb5882e674a6263bb64e32133272ba97d0c',
    );
    assert.ok(
      hashTable(kernel, initrd, append)
        .toString('hex')
        .startsWith('06d63894224fc94cb479a793d411fd21a800d82dd0972'),
    );
  });

  it('reads OVMF metadata from firmware tails (LD-11, LD-12)', () => {
    const amdsev = parseOvmf(readFixture('snp/ovmf-amdsev-suffix.bin'));
    assert.deepEqual(
      amdsev.sections.map((s) => [s.gpa, s.size, s.type]),
      [
        [0x800000, 0x9000, 1],
        [0x80a000, 0x3000, 1],
        [0x80d000, 0x1000, 2],
        [0x80e000, 0x1000, 3],
        [0x80f000, 0x1000, 4],
        [0x810000, 0x1000, 0x10],
        [0x811000, 0xf000, 1],
      ],
    );
    assert.equal(amdsev.resetEip, 0x80b004);
    assert.equal(amdsev.hashTableGpa, 0x810c00);
    const ovmfx64 = parseOvmf(readFixture('snp/ovmf-ovmfx64-suffix.bin'));
    assert.equal(ovmfx64.sections.length, 6);
    assert.equal(ovmfx64.hashTableGpa, 0);
    assert.throws(() => launchDigest({ ...NIF_TEST, ovmf: ovmfx64 }), /missing SNP_KERNEL_HASHES/);
    assert.throws(() => parseOvmf(new Uint8Array(4096)), /not an SEV OVMF build/);
  });
});
