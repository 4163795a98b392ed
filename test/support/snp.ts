/**
 * A throw-away AMD-like certificate chain for tests (openssl): an "ARK" and
 * "ASK" (RSA) and a "VCEK" (P-384) carrying AMD's hwID and SPL extensions,
 * so reports a node signs with it verify like real ones where the chain is
 * trusted (`snp_cert_chain`).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// HyperBEAM's TEST_TRUSTED_SOFTWARE (dev_snp.erl): a measurement real hardware reported.
export const TRUSTED = {
  vcpus: 1,
  vcpu_type: 5,
  vmm_type: 1,
  guest_features: 1,
  firmware:
    'b8c5d4082d5738db6b0fb0294174992738645df70c44cdecf7fad3a62244b788e7e408c582ee48a74b289f3acec78510',
  kernel: '69d0cd7d13858e4fcef6bc7797aebd258730f215bc5642c4ad8e4b893cc67576',
  initrd: '853ebf56bc6ba5f08bd5583055a457898ffa3545897bee00103d3066b8766f5c',
  append: '6cb8a0082b483849054f93b203aa7d98439736e44163d614f79380ca368cc77e',
};

export interface TestChain {
  /** PEM: the ASK, then the ARK (as AMD KDS serves a chain). */
  chain: string;
  vcek: string;
  vcekKey: string;
  chipId: Buffer;
}

const AMD = '1.3.6.1.4.1.3704.1';
const der = (bytes: Buffer) => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(':');
/** A DER INTEGER for a small non-negative number. */
const integer = (n: number) =>
  n < 0x80 ? `02:01:${der(Buffer.of(n))}` : `02:02:00:${der(Buffer.of(n))}`;

export function testChain(tcb = { bootloader: 3, tee: 0, snp: 20, microcode: 209 }): TestChain {
  const dir = mkdtempSync(join(tmpdir(), 'hb-snp-chain-'));
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  try {
    const chipId = randomBytes(64);
    run(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ark.key',
      '-out',
      'ark.pem',
      '-subj',
      '/CN=TEST-ARK',
      '-days',
      '30',
      '-sha384',
    );
    run(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ask.key',
      '-out',
      'ask.csr',
      '-subj',
      '/CN=TEST-ASK',
    );
    run(
      'x509',
      '-req',
      '-in',
      'ask.csr',
      '-CA',
      'ark.pem',
      '-CAkey',
      'ark.key',
      '-CAcreateserial',
      '-out',
      'ask.pem',
      '-days',
      '30',
      '-sha384',
    );
    run('ecparam', '-name', 'secp384r1', '-genkey', '-noout', '-out', 'vcek.key');
    run('req', '-new', '-key', 'vcek.key', '-out', 'vcek.csr', '-subj', '/CN=TEST-VCEK');
    writeFileSync(
      join(dir, 'vcek.ext'),
      [
        `${AMD}.3.1=DER:${integer(tcb.bootloader)}`,
        `${AMD}.3.2=DER:${integer(tcb.tee)}`,
        `${AMD}.3.3=DER:${integer(tcb.snp)}`,
        `${AMD}.3.8=DER:${integer(tcb.microcode)}`,
        `${AMD}.4=DER:${der(chipId)}`,
        '',
      ].join('\n'),
    );
    run(
      'x509',
      '-req',
      '-in',
      'vcek.csr',
      '-CA',
      'ask.pem',
      '-CAkey',
      'ask.key',
      '-CAcreateserial',
      '-out',
      'vcek.pem',
      '-days',
      '30',
      '-sha384',
      '-extfile',
      'vcek.ext',
    );
    const read = (file: string) => readFileSync(join(dir, file), 'utf8');
    return {
      chain: `${read('ask.pem')}${read('ark.pem')}`,
      vcek: read('vcek.pem'),
      vcekKey: read('vcek.key'),
      chipId,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
