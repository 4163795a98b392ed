/**
 * SEV-SNP reports checked offline (trust.md §1, §5.1): the shipped AMD
 * chains, two public reports with their chips' VCEKs verified end to end
 * (raw ABI and HyperBEAM's JSON), HyperBEAM's JSON rebuilt into the exact
 * signed bytes, and every tampered copy refused with its reason.
 */
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import { readFixture } from '../../test/support/shared.ts';
import {
  checkReport,
  parseReport,
  reportFromJson,
  rootsFromPem,
  shippedRoots,
  vcekFrom,
} from './snp-report.ts';

const roots = shippedRoots();
const virtee = () =>
  parseReport(Buffer.from(readFixture('snp/virtee-report-milan.hex').toString().trim(), 'hex'));
const virteeVcek = vcekFrom(readFixture('snp/virtee-vcek-milan.der'));
const hbOs = () =>
  parseReport(reportFromJson(JSON.parse(readFixture('snp/hb-os-benign-report.json').toString())));
const hbOsVcek = vcekFrom(readFixture('snp/hb-os-vcek.crt'));

/** A copy of the report with one byte changed. */
function flipped(report: ReturnType<typeof virtee>, at: number) {
  const bytes = Buffer.from(report.bytes);
  bytes[at] = (bytes[at] as number) ^ 1;
  return parseReport(bytes);
}

describe('SEV-SNP reports', () => {
  it('ships AMD chains that verify, pinned by their fingerprints (SNP-05)', () => {
    const fingerprints = Object.fromEntries(
      roots.map((r) => [r.product, r.ark.fingerprint256.replace(/:/g, '')]),
    );
    assert.equal(
      fingerprints.milan,
      '69D063B45344D26A2E94E1F4210DE49EF555308287D4C174445C95639A540BCD',
    );
    assert.equal(
      fingerprints.genoa,
      '4C6598D19C18719C5DFD4A7D335F674E5BFE1D8F800CEA2CF270C10D103DB2F1',
    );
    assert.equal(
      fingerprints.turin,
      '1F084161A44BB6D93778A904877D4819CAFA5D05EF4193B2DED9DD9C73DD3F6A',
    );
    for (const { ark, ask } of roots) {
      assert.ok(ark.verify(ark.publicKey));
      assert.ok(ask.verify(ark.publicKey));
    }
  });

  it('verifies public reports end to end: raw ABI (SNP-06) and HyperBEAM JSON (SNP-07)', () => {
    assert.deepEqual(checkReport(virtee(), virteeVcek, roots), { ok: true, product: 'milan' });
    assert.deepEqual(checkReport(hbOs(), hbOsVcek, roots), { ok: true, product: 'milan' });
  });

  it("rebuilds HyperBEAM's report JSON into the exact signed bytes (SNP-04)", () => {
    const report = parseReport(
      reportFromJson(JSON.parse(readFixture('snp/hyperbeam-report.json').toString())),
    );
    assert.equal(
      createHash('sha384').update(report.bytes.subarray(0, 0x2a0)).digest('hex'),
      '5d330f3d447535716877723ababd26e9bf5c73c5cc314bdd4f312f08a73e707f08a7ce25b213d5ba112bdc9b6b264ad8',
    );
  });

  it('refuses every tampered copy, saying why', () => {
    const report = virtee();
    const signatureFails = /signature does not verify/;
    for (const [what, at] of [
      ['signature', 0x2a0],
      ['measurement', 0x090],
      ['report_data', 0x050],
      ['policy (debug)', 0x00a],
      ['the byte virtee flips', 21],
    ] as const) {
      const verdict = checkReport(flipped(report, at), virteeVcek, roots);
      assert.equal(verdict.ok, false, what);
      assert.match(verdict.failed ?? '', signatureFails, what);
    }
    for (const [what, at] of [
      ['chip id', 0x1a0],
      ['reported TCB', 0x186],
    ] as const) {
      const verdict = checkReport(flipped(report, at), virteeVcek, roots);
      assert.match(verdict.failed ?? '', /another chip or TCB/, what);
    }
    assert.match(checkReport(report, hbOsVcek, roots).failed ?? '', /another chip or TCB/);
    const genoaOnly = roots.filter((r) => r.product !== 'milan');
    assert.match(checkReport(report, virteeVcek, genoaOnly).failed ?? '', /not certified/);
  });

  it('takes roots as PEM (ASK then ARK), as AMD KDS serves them', () => {
    const pem = `${readFixture('snp/amd-milan-ask.pem')}\n${readFixture('snp/amd-milan-ark.pem')}`;
    const configured = rootsFromPem(pem);
    assert.equal(configured.length, 1);
    assert.ok(checkReport(virtee(), virteeVcek, configured).ok);
    assert.ok(configured[0]?.ask instanceof X509Certificate);
  });

  it('refuses what is not a report or a certificate with a clear error', () => {
    assert.throws(() => parseReport(new Uint8Array(10)), { code: 'snp_malformed' });
    assert.throws(() => reportFromJson({ version: 'two' }), { code: 'snp_malformed' });
    assert.throws(() => vcekFrom('not a certificate'), { code: 'snp_bad_vcek' });
  });
});
