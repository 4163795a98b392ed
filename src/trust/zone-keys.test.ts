import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { sharedPath } from '../../test/support/shared.ts';
import { fromBase64 } from '../core/binary.ts';
import { decodeRsaKey, encodePublicKey } from '../crypto/etf-keys.ts';
import { createWallet, loadWallet } from '../crypto/wallet.ts';
import {
  modulusOfTerm,
  openIdentity,
  publicKeyTerm,
  sealIdentity,
  unwrapZoneKey,
  wrapZoneKey,
} from './zone-keys.ts';

const wallet = loadWallet(sharedPath('fixtures', 'snp', 'hyperbeam-admissible-report-wallet.json'));

describe('green zone keys (trust.md §3.7)', () => {
  it("writes a public key as OTP 27's term_to_binary({{rsa,65537}, N}) (GZ-05)", () => {
    const term = Buffer.from(fromBase64(publicKeyTerm(wallet)));
    assert.equal(term.length, 532);
    // 83 | 68 02 | 68 02 77 03 "rsa" 62 00 01 00 01 | 6D <u32 512> N
    assert.equal(term.subarray(0, 20).toString('hex'), '8368026802770372736162000100016d00000200');
    assert.ok(term.subarray(20).equals(wallet.publicKey));
    assert.ok(Buffer.from(modulusOfTerm(term.toString('base64'))).equals(wallet.publicKey));
  });

  it('reads the ATOM_EXT form OTP 25 writes, and refuses other terms', () => {
    const otp27 = encodePublicKey(wallet.publicKey);
    // 77 03 'rsa' (SMALL_ATOM_UTF8_EXT) -> 64 00 03 'rsa' (ATOM_EXT): 533 bytes.
    const otp25 = Buffer.concat([
      otp27.subarray(0, 5),
      Buffer.of(0x64, 0x00, 0x03),
      otp27.subarray(7),
    ]);
    assert.equal(otp25.length, 533);
    assert.ok(Buffer.from(decodeRsaKey(otp25).modulus).equals(wallet.publicKey));
    assert.throws(() => modulusOfTerm('not base64!'), /public key is not base64/);
    assert.throws(() => openIdentity('%%', 'AAAA', randomBytes(32)), /encrypted key is not base64/);
    for (const bad of [
      otp27.subarray(0, 100),
      Buffer.concat([otp27, Buffer.of(0)]),
      Buffer.of(0x83, 0x6a),
      Buffer.from(otp27).fill(0x65, 7, 10),
    ]) {
      assert.throws(() => decodeRsaKey(bad), /not an Erlang RSA key term/);
    }
  });

  it('wraps the zone key with RSA-PKCS#1 v1.5 to the joiner only (GZ-06)', () => {
    const aes = randomBytes(32);
    const zoneKey = wrapZoneKey(aes, wallet.publicKey);
    assert.equal(fromBase64(zoneKey).length, 512);
    assert.deepEqual(unwrapZoneKey(zoneKey, wallet), aes);
    assert.throws(() => unwrapZoneKey(zoneKey, createWallet('rsa')), /not encrypted to this node/);
    assert.throws(() => wrapZoneKey(aes, Uint8Array.of(7)), /nothing can be encrypted/);
  });

  it("seals the node's private tuple under the zone key with a 16-byte IV (GZ-04)", () => {
    const aes = randomBytes(32);
    const sealed = sealIdentity(wallet, aes);
    assert.equal(fromBase64(sealed.iv).length, 16);
    // The ETF private tuple (1049 bytes under OTP 27 for 512-byte D and N), then the tag.
    const d = Buffer.from(String(wallet.jwk.d), 'base64url');
    assert.equal(fromBase64(sealed.encrypted_key).length, 15 + 5 + d.length + 5 + 512 + 16);
    const opened = openIdentity(sealed.encrypted_key, sealed.iv, aes);
    assert.equal(opened.address, wallet.address);
    assert.throws(
      () => openIdentity(sealed.encrypted_key, sealed.iv, randomBytes(32)),
      /does not open/,
    );
    const tampered = Buffer.from(fromBase64(sealed.encrypted_key));
    tampered[0] = (tampered[0] as number) ^ 1;
    assert.throws(() => openIdentity(tampered.toString('base64'), sealed.iv, aes), /does not open/);
  });
});
