/**
 * The key and signature commands of the `hyperbeam` CLI, run as a child process.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ArweaveSigner, bundleAndSignData, createData } from '@dha-team/arbundles';
import { sharedPath } from '../../test/support/shared.ts';
import { readBundle } from '../codecs/ans104/bundle.ts';
import {
  newItem,
  parseItem,
  serializeItem,
  signItem,
  type Tag,
} from '../codecs/ans104/data-item.ts';
import { tabmToItem } from '../codecs/ans104/index.ts';
import { messageToTabm } from '../codecs/structured.ts';
import { loadWallet } from '../crypto/wallet.ts';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
let dir = '';

function run(args: string[], input?: Uint8Array | string) {
  const out = spawnSync(process.execPath, [MAIN, ...args], { cwd: dir, input: input ?? '' });
  return { code: out.status, stdout: out.stdout, stderr: out.stderr.toString() };
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'hyperbeam-sign-'));
  copyFileSync(sharedPath('fixtures', 'key-1.json'), join(dir, 'hyperbeam-key.json'));
  writeFileSync(join(dir, 'm.json'), JSON.stringify({ a: '1', n: { b: 2 }, text: 'two\nlines' }));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('hyperbeam wallet', () => {
  it('prints the address of the default wallet', () => {
    const r = run(['wallet', 'address']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), 'vcaPe4JWnrSOCktDHBgXge-zWUb6JRkqbom5w9t7i-4\n');
  });

  it('creates a wallet, and refuses to overwrite one', () => {
    const r = run(['wallet', 'new', '--type', 'ed25519', '--key', 'ed.json']);
    assert.equal(r.code, 0, r.stderr);
    const address = r.stdout.toString().trim();
    assert.equal(address.length, 43);
    assert.equal(run(['wallet', 'address', '--key', 'ed.json']).stdout.toString().trim(), address);
    const again = run(['wallet', 'new', '--key', 'ed.json', '--type', 'ed25519']);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /wallet_exists/);
  });

  it('explains a missing wallet', () => {
    const r = run(['wallet', 'address', '--key', 'nope.json']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no_wallet/);
  });
});

describe('hyperbeam sign, verify and convert', () => {
  for (const codec of ['httpsig@1.0', 'ans104@1.0']) {
    it(`${codec}: signs a message that then verifies, and detects tampering`, () => {
      const signed = run(['sign', '--codec', codec, 'm.json']);
      assert.equal(signed.code, 0, signed.stderr);
      writeFileSync(join(dir, 'signed'), signed.stdout);
      const ok = run(['verify', 'signed']);
      assert.equal(ok.code, 0, ok.stdout.toString());
      assert.match(ok.stdout.toString(), /valid +\S+ vcaPe4JWnrSOCktDHBgXge-zWUb6JRkqbom5w9t7i-4/);
      // Change the signed value `1` of key `a` to `2`, in place.
      const bytes = Buffer.from(signed.stdout);
      const at =
        codec === 'ans104@1.0' ? bytes.indexOf('\u0002a\u00021') + 3 : bytes.indexOf('a: 1') + 3;
      bytes[at] = 0x32;
      const bad = run(['verify', '-'], bytes);
      assert.equal(bad.code, 1);
      assert.match(bad.stdout.toString(), /INVALID/);
    });
  }

  it('keeps the signature through a conversion', () => {
    const signed = run(['sign', '--codec', 'ans104@1.0', '--to', 'httpsig@1.0', 'm.json']);
    assert.equal(signed.code, 0, signed.stderr);
    const back = run(['convert', '--to', 'ans104@1.0', '-'], signed.stdout);
    assert.equal(back.code, 0, back.stderr);
    assert.equal(run(['verify', '-'], back.stdout).code, 0);
  });

  it('converts between text codecs', () => {
    const flat = run(['convert', '--to', 'flat@1.0', 'm.json']);
    assert.equal(flat.code, 2, 'a value with a newline cannot be flat');
    assert.match(flat.stderr, /bad_value/);
    writeFileSync(join(dir, 'plain.json'), JSON.stringify({ a: '1', n: { b: 2 } }));
    const ok = run(['convert', '--to', 'flat@1.0', 'plain.json']);
    assert.equal(ok.stdout.toString(), 'a: 1\nn/ao-types: b="integer"\nn/b: 2\n');
    const json = run(['convert', '--from', 'flat@1.0', '--to', 'json@1.0', '-'], ok.stdout);
    assert.deepEqual(JSON.parse(json.stdout.toString()), { a: '1', n: { b: 2 } });
  });

  it('reports unsigned messages and unreadable input', () => {
    assert.equal(run(['verify', 'm.json']).code, 1);
    const garbage = run(['verify', '--from', 'ans104@1.0', '-'], 'not a data item');
    assert.equal(garbage.code, 2);
    assert.match(garbage.stderr, /hyperbeam: /);
    assert.equal(run(['convert', 'm.json']).code, 2);
    assert.equal(readFileSync(join(dir, 'm.json'), 'utf8').length > 0, true);
  });
});

describe('hyperbeam verify: ANS-104 items are checked over the bytes read', () => {
  const rsa = loadWallet(sharedPath('fixtures', 'key-1.json'));
  const SIG = 2; // the signature starts after the 2-byte signature type
  const OWNER = 2 + 512;

  /** A HyperBEAM-style item: nested messages become unsigned items of a bundle in the data. */
  function hyperbeamBundleItem(extraTags: Tag[] = []): Uint8Array {
    const item = tabmToItem(
      messageToTabm({ a: '1', nested: { b: 'x', c: 'y' }, more: { d: 'z' } }),
    );
    item.tags.push(...extraTags);
    return serializeItem(signItem(item, rsa));
  }

  /** Where the data starts, and where the first bundled item starts. */
  function layout(bytes: Uint8Array) {
    const item = parseItem(bytes);
    const dataAt = bytes.length - item.data.length;
    const first = readBundle(item.data).entries[0]?.bytes as Uint8Array;
    return { dataAt, firstNestedAt: dataAt + (first.byteOffset - item.data.byteOffset) };
  }

  const at = (bytes: Uint8Array, needle: Uint8Array | string) => {
    const i = Buffer.from(bytes).indexOf(needle);
    assert.ok(i > 0, 'the bytes to change are in the item');
    return i;
  };

  function flipped(bytes: Uint8Array, i: number): Buffer {
    const copy = Buffer.from(bytes);
    copy[i] = (copy[i] as number) ^ 0x01;
    return copy;
  }

  function assertValid(bytes: Uint8Array) {
    const r = run(['verify', '-'], bytes);
    assert.equal(r.code, 0, `${r.stdout.toString()}${r.stderr}`);
    assert.match(r.stdout.toString(), new RegExp(`^valid +\\S+ ${rsa.address}$`, 'm'));
  }

  function assertInvalid(bytes: Uint8Array, what: string) {
    const r = run(['verify', '-'], bytes);
    const out = r.stdout.toString();
    assert.equal(r.code, 1, `${what}: ${out}${r.stderr}`);
    assert.match(out, /^INVALID \S+ \S+: the signature does not match the item's bytes/m, what);
    assert.doesNotMatch(out, /^valid/m, what);
  }

  it('a bundle of unsigned items in the data (HyperBEAM nested messages)', () => {
    const bytes = hyperbeamBundleItem();
    assertValid(bytes);
    const { dataAt, firstNestedAt } = layout(bytes);
    // The nested items' zero owners and signatures: a decoded message drops
    // them, so verifying a re-encoding used to miss these changes.
    assertInvalid(flipped(bytes, firstNestedAt + 2 + 512 + 100), 'a nested zero owner byte');
    assertInvalid(flipped(bytes, firstNestedAt + 2 + 7), 'a nested zero signature byte');
    assertInvalid(flipped(bytes, dataAt + 40), 'a bundle header byte');
    assertInvalid(flipped(bytes, bytes.length - 1), 'the last data byte');
    assertInvalid(flipped(bytes, at(bytes, 'bundle-version') + 15), 'a tag value');
    assertInvalid(flipped(bytes, SIG + 100), 'the signature');
    assertInvalid(flipped(bytes, OWNER + 100), 'the owner');
  });

  it('a standard bundle of signed items in the data (arbundles)', async () => {
    const signer = new ArweaveSigner(rsa.jwk as never);
    const inner = [
      createData('first', signer, { tags: [{ name: 'Type', value: 'Message' }] }),
      createData('second', signer, { tags: [{ name: 'Type', value: 'Message' }] }),
    ];
    const bundle = await bundleAndSignData(inner, signer);
    const outer = createData(bundle.getRaw(), signer, {
      tags: [
        { name: 'Bundle-Format', value: 'binary' },
        { name: 'Bundle-Version', value: '2.0.0' },
        { name: 'Note', value: 'outer' },
      ],
    });
    await outer.sign(signer);
    const bytes = new Uint8Array(outer.getRaw());
    assertValid(bytes);
    const { dataAt, firstNestedAt } = layout(bytes);
    assertInvalid(flipped(bytes, firstNestedAt + SIG + 9), 'a nested signature byte');
    assertInvalid(flipped(bytes, dataAt + 3), 'a bundle header byte');
    assertInvalid(flipped(bytes, at(bytes, 'second')), 'a nested data byte');
    assertInvalid(flipped(bytes, at(bytes, 'outer') + 2), 'a tag value');
    assertInvalid(flipped(bytes, SIG), 'the signature');
    assertInvalid(flipped(bytes, OWNER + 511), 'the owner');
  });

  it('tag values that are not UTF-8', () => {
    const binary = Uint8Array.of(0xff, 0xfe, 0x00, 0xc3, 0x28);
    const item = signItem(
      newItem({
        tags: [
          { name: 'Raw', value: binary },
          { name: 'Raw', value: 'twice' },
          { name: 'Type', value: 'Message' },
        ],
        data: new TextEncoder().encode('payload bytes'),
      }),
      rsa,
    );
    const bytes = serializeItem(item);
    assertValid(bytes);
    assertInvalid(flipped(bytes, bytes.length - 3), 'a data byte');
    assertInvalid(flipped(bytes, at(bytes, binary) + 1), 'the binary tag value');
    assertInvalid(flipped(bytes, at(bytes, 'twice')), 'a text tag value');
    assertInvalid(flipped(bytes, SIG + 511), 'the signature');
    assertInvalid(flipped(bytes, OWNER), 'the owner');
  });

  it('a bundle in the data and a tag value that is not UTF-8, together', () => {
    const binary = Uint8Array.of(0x80, 0x81, 0xfe);
    const bytes = hyperbeamBundleItem([{ name: 'bin', value: binary }]);
    // Its tags cannot be re-derived from the decoded message: a re-encoding
    // check called this untouched item invalid.
    assertValid(bytes);
    const { firstNestedAt } = layout(bytes);
    assertInvalid(flipped(bytes, firstNestedAt + 2 + 512 + 3), 'a nested zero owner byte');
    assertInvalid(flipped(bytes, bytes.length - 2), 'a data byte');
    assertInvalid(flipped(bytes, at(bytes, binary) + 2), 'the binary tag value');
    assertInvalid(flipped(bytes, SIG + 300), 'the signature');
    assertInvalid(flipped(bytes, OWNER + 300), 'the owner');
  });

  it('reports an unsigned item as unsigned', () => {
    const r = run(['verify', '-'], serializeItem(newItem({ data: Uint8Array.of(1, 2, 3) })));
    assert.equal(r.code, 1);
    assert.match(r.stdout.toString(), /not signed/);
  });
});
