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
import { sharedPath } from '../../test/support/shared.ts';

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
