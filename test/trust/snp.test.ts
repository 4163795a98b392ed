/**
 * snp@1.0 over HTTP: HyperBEAM's report message (address, nonce,
 * node-message, local-hashes, report), each of its checks refused with the
 * check named, `trusted` as HyperBEAM answers it, `generate` on a host
 * without SEV-SNP, and reports a test VCEK signs verified end to end.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { committersOf } from '../../src/codecs/commitments.ts';
import { signHttpsig } from '../../src/codecs/httpsig/commit.ts';
import { createCodecRegistry } from '../../src/codecs/index.ts';
import { fromBase64url } from '../../src/core/binary.ts';
import type { Message } from '../../src/core/message.ts';
import { unsignedMessageId } from '../../src/engine/ids.ts';
import type { RunningNode } from '../../src/http/server.ts';
import { HttpClient } from '../../src/net/http-client.ts';
import { quickWallet, send, startTestNode } from '../support/node.ts';
import { readFixture } from '../support/shared.ts';
import { signedRequest } from '../support/signing.ts';
import { TRUSTED, testChain } from '../support/snp.ts';

const node = quickWallet();
const nodeMessage = { address: node.address, snp_trusted: [TRUSTED] };
const nonce = Buffer.concat([
  fromBase64url(node.address),
  fromBase64url(unsignedMessageId(nodeMessage)),
]).toString('base64url');
// A real report (a genuine chip's), whose VCEK is shipped in the fixtures.
const report = readFixture('snp/hb-os-benign-report.json').toString();
const vcek = readFixture('snp/hb-os-vcek.crt').toString('base64');

const reportMessage = (changes: Message = {}) => ({
  address: node.address,
  nonce,
  'node-message': nodeMessage,
  'local-hashes': TRUSTED,
  report,
  vcek,
  ...changes,
});

describe('snp@1.0', () => {
  let server: RunningNode;
  before(async () => {
    server = await startTestNode({ config: { force_signed: false, snp_trusted: [TRUSTED] } });
  });
  after(() => server.stop());

  const verify = async (msg: Message) => {
    const res = await send(
      server,
      signedRequest('POST', { path: '/~snp@1.0/verify', body: msg }, quickWallet()),
    );
    return { status: res.status, text: res.text, reason: res.headers.reason };
  };

  it('checks the message before the report, naming what fails', async () => {
    const cases: [string, Message, RegExp][] = [
      ['unsigned', reportMessage(), /not signed by its address/],
      [
        'signed by another key',
        signHttpsig(reportMessage(), quickWallet()),
        /not signed by its address/,
      ],
      [
        'nonce of other bytes',
        signHttpsig(reportMessage({ nonce: 'A'.repeat(86) }), node),
        /nonce/,
      ],
      [
        'node message changed after the nonce',
        signHttpsig(reportMessage({ 'node-message': { ...nodeMessage, extra: 'x' } }), node),
        /nonce/,
      ],
      [
        'an untrusted kernel',
        signHttpsig(
          reportMessage({ 'local-hashes': { ...TRUSTED, kernel: '0'.repeat(64) } }),
          node,
        ),
        /kernel is not trusted/,
      ],
      [
        'vcpus as text',
        signHttpsig(reportMessage({ 'local-hashes': { ...TRUSTED, vcpus: '1' } }), node),
        /vcpus is not trusted/,
      ],
      [
        'upper-case firmware',
        signHttpsig(
          reportMessage({
            'local-hashes': { ...TRUSTED, firmware: TRUSTED.firmware.toUpperCase() },
          }),
          node,
        ),
        /firmware is not trusted/,
      ],
      // Everything holds but the measurement: the report is another guest's.
      ['another guest’s report', signHttpsig(reportMessage(), node), /launch measurement/],
      [
        'a report signed by another chip',
        signHttpsig(
          reportMessage({ vcek: readFixture('snp/virtee-vcek-milan.der').toString('base64') }),
          node,
        ),
        /another chip or TCB/,
      ],
      [
        'a tampered report',
        signHttpsig(
          reportMessage({ report: report.replace('"guest_svn": 0', '"guest_svn": 1') }),
          node,
        ),
        /signature does not verify/,
      ],
      ['no report', signHttpsig(reportMessage({ report: '{]' }), node), /report is malformed/],
    ];
    for (const [what, msg, reason] of cases) {
      const verdict = await verify(msg);
      assert.equal(verdict.status, 200, what);
      assert.equal(verdict.text, 'false', what);
      assert.match(verdict.reason ?? '', reason, what);
    }
  });

  it('finds a VCEK the operator keeps at snp-vceks/<chip>/<tcb>', async () => {
    const { vcek: _given, ...withoutVcek } = reportMessage();
    const msg = signHttpsig(withoutVcek, node);
    const before = await verify(msg);
    assert.match(before.reason ?? '', /neither in the message nor kept here/);
    const store = server.node.services.messages;
    const json = JSON.parse(report) as { chip_id: number[]; reported_tcb: Record<string, number> };
    const tcb = json.reported_tcb;
    const kept = await store.writeBinary(readFixture('snp/hb-os-vcek.crt'));
    await store.link(
      kept,
      `snp-vceks/${Buffer.from(json.chip_id).toString('hex')}/${tcb.bootloader}-${tcb.tee}-${tcb.snp}-${tcb.microcode}`,
    );
    // The report now verifies; only the measurement (another guest's) fails.
    assert.match((await verify(msg)).reason ?? '', /launch measurement/);
  });

  it('answers `trusted` per key, strictly typed (SNP-27)', async () => {
    const ask = (query: string) => send(server, { path: `/~snp@1.0/trusted?${query}` });
    assert.equal((await ask('key=vcpus&body+integer=1')).text, 'true');
    assert.equal((await ask('key=vcpus&body=1')).text, 'false');
    assert.equal((await ask(`key=kernel&body=${TRUSTED.kernel}`)).text, 'true');
    assert.equal((await ask('key=nonsense&body=1')).text, 'false');
  });

  it('refuses to generate a report without SEV-SNP hardware', async () => {
    const res = await send(server, { path: '/~snp@1.0/generate' });
    assert.equal(res.status, 503);
    assert.match(res.text, /SEV-SNP/);
  });
});

describe('snp@1.0 with a test VCEK (no SEV-SNP hardware)', () => {
  const chain = testChain();
  const http = new HttpClient();
  const codecs = createCodecRegistry();
  let attesting: RunningNode;
  let verifying: RunningNode;
  let strict: RunningNode;
  let untrusting: RunningNode;
  before(async () => {
    attesting = await startTestNode({
      wallet: node,
      config: {
        force_signed: false,
        snp_trusted: [TRUSTED],
        snp_test_vcek: chain.vcek,
        priv_snp_test_vcek_key: chain.vcekKey,
      },
    });
    const verifier = { force_signed: false, snp_trusted: [TRUSTED], snp_cert_chain: chain.chain };
    verifying = await startTestNode({ config: verifier });
    strict = await startTestNode({ config: { ...verifier, snp_strict: true } });
    untrusting = await startTestNode({ config: { force_signed: false, snp_trusted: [TRUSTED] } });
  });
  after(async () => {
    await Promise.all([attesting, verifying, strict, untrusting].map((n) => n.stop()));
    await http.stop();
  });

  const generated = async () => {
    const res = await http.send(attesting.url, { path: '/~snp@1.0/generate' }, codecs);
    assert.equal(res.status, 200, String(res.message.body));
    return res.message;
  };
  const verifyOn = async (on: RunningNode, msg: Message) => {
    const res = await http.send(
      on.url,
      { method: 'POST', path: '/~snp@1.0/verify', message: { body: msg } },
      codecs,
    );
    return { body: String(res.message.body), reason: res.message.reason };
  };

  it("generates HyperBEAM's report message, which verifies end to end where the chain is trusted", async () => {
    const msg = await generated();
    assert.deepEqual(
      Object.keys(msg)
        .filter((k) => k !== 'commitments' && k !== 'status')
        .sort(),
      ['address', 'local-hashes', 'node-message', 'nonce', 'report', 'vcek'],
    );
    assert.deepEqual(committersOf(msg), [node.address]);
    assert.deepEqual(await verifyOn(verifying, msg), { body: 'true', reason: undefined });
    // The report binds the nonce: the strict check holds too.
    assert.equal((await verifyOn(strict, msg)).body, 'true');
    const untrusted = await verifyOn(untrusting, msg);
    assert.equal(untrusted.body, 'false');
    assert.match(String(untrusted.reason), /not certified/);
  });

  it('refuses the generated message once anything in it changes', async () => {
    const msg = await generated();
    const report = JSON.parse(String(msg.report)) as Record<string, unknown>;
    const debug = signHttpsig(
      {
        ...withoutCommitments(msg),
        report: JSON.stringify({ ...report, policy: 0x30000 | (1 << 19) }),
      },
      node,
    );
    assert.match(String((await verifyOn(verifying, debug)).reason), /signature does not verify/);
    const otherSoftware = signHttpsig(
      { ...withoutCommitments(msg), 'local-hashes': { ...TRUSTED, vcpus: 32 } },
      node,
    );
    assert.match(String((await verifyOn(verifying, otherSoftware)).reason), /vcpus is not trusted/);
  });
});

function withoutCommitments(msg: Message): Message {
  const { commitments: _c, ...rest } = msg;
  return rest;
}
