/**
 * Interoperability with @dha-team/arbundles: data items and bundles made by
 * arbundles verify in our code with the same IDs, and ours verify in arbundles.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  ArweaveSigner,
  bundleAndSignData,
  Curve25519,
  createData,
  DataItem,
  EthereumSigner,
  unbundleData,
} from '@dha-team/arbundles';
import { readBundle, writeBundle } from '../../src/codecs/ans104/bundle.ts';
import {
  itemId,
  newItem,
  parseItem,
  serializeItem,
  signItem,
  verifyItem,
} from '../../src/codecs/ans104/data-item.ts';
import { itemToTabm, tabmToItem } from '../../src/codecs/ans104/index.ts';
import { messageToTabm, type Tabm } from '../../src/codecs/structured.ts';
import { base64url, fromBase64url } from '../../src/core/binary.ts';
import { createWallet, loadWallet } from '../../src/crypto/wallet.ts';
import { sharedPath } from '../support/shared.ts';

const jwkPath = sharedPath('fixtures', 'key-1.json');
const rsaWallet = loadWallet(jwkPath);

/** arbundles' ed25519 signer is abstract; give it a key the way its chain signers do. */
class Ed25519Signer extends Curve25519 {
  readonly seed: Buffer;
  readonly pub: Buffer;
  constructor() {
    const jwk = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
    const seed = Buffer.from(String(jwk.d), 'base64url');
    const pub = Buffer.from(String(jwk.x), 'base64url');
    super(seed.toString('hex'), pub.toString('hex'));
    this.seed = seed;
    this.pub = pub;
  }
  override get key(): Uint8Array {
    return this.seed;
  }
  override get publicKey(): Buffer {
    return this.pub;
  }
}

const signers = {
  'RSA (type 1)': () => new ArweaveSigner(rsaWallet.jwk as never),
  'ed25519 (type 2)': () => new Ed25519Signer(),
  'Ethereum (type 3)': () => new EthereumSigner(randomBytes(32).toString('hex')),
};

describe('arbundles items verify in our code', () => {
  for (const [name, make] of Object.entries(signers)) {
    it(name, async () => {
      const signer = make();
      const target = base64url(randomBytes(32));
      const item = createData('hello ao', signer, {
        tags: [
          { name: 'Action', value: 'Eval' },
          { name: 'Data-Protocol', value: 'ao' },
        ],
        target,
        anchor: 'abcdefghijklmnopqrstuvwxyz012345',
      });
      await item.sign(signer);
      const raw = new Uint8Array(item.getRaw());
      const ours = parseItem(raw);
      assert.equal(ours.signatureType, item.signatureType);
      assert.ok(verifyItem(ours));
      assert.equal(base64url(itemId(ours)), item.id);
      assert.deepEqual(Buffer.from(ours.target), Buffer.from(fromBase64url(target)));
      // Through our message form and back, byte for byte.
      const back = tabmToItem(messageToTabm(itemToTabm(ours) as Tabm));
      assert.deepEqual(Buffer.from(serializeItem(back)), Buffer.from(raw));
      // A changed byte is caught.
      const tampered = new Uint8Array(raw);
      tampered[tampered.length - 1] = (tampered[tampered.length - 1] as number) ^ 1;
      assert.equal(verifyItem(parseItem(tampered)), false);
    });
  }
});

describe('our items verify in arbundles', () => {
  for (const type of ['rsa', 'ed25519', 'secp256k1'] as const) {
    it(`${type} wallet`, async () => {
      const wallet = type === 'rsa' ? rsaWallet : createWallet(type);
      const item = signItem(
        newItem({
          tags: [
            { name: 'Content-Type', value: 'text/plain' },
            { name: 'a', value: '1' },
          ],
          data: new TextEncoder().encode('DATA'),
        }),
        wallet,
      );
      const raw = Buffer.from(serializeItem(item));
      const theirs = new DataItem(raw);
      assert.ok(theirs.isValid());
      assert.ok(await DataItem.verify(raw));
      assert.equal(theirs.id, base64url(itemId(item)));
      assert.deepEqual(theirs.tags, [
        { name: 'Content-Type', value: 'text/plain' },
        { name: 'a', value: '1' },
      ]);
    });
  }
});

describe('bundles', () => {
  it('reads a standard (little-endian) arbundles bundle', async () => {
    const signer = new ArweaveSigner(rsaWallet.jwk as never);
    const items = ['one', 'two', 'three'].map((d) =>
      createData(d, signer, { tags: [{ name: 'n', value: d }] }),
    );
    const bundle = await bundleAndSignData(items, signer);
    const { format, entries } = readBundle(new Uint8Array(bundle.getRaw()));
    assert.equal(format, 'standard');
    assert.deepEqual(
      entries.map((e) => base64url(e.id)),
      items.map((i) => i.id),
    );
    for (const entry of entries) assert.ok(verifyItem(parseItem(entry.bytes)));
  });

  it('writes standard bundles that arbundles reads and verifies', async () => {
    const items = ['x', 'y'].map((d) =>
      signItem(
        newItem({ tags: [{ name: 'k', value: d }], data: new TextEncoder().encode(d) }),
        rsaWallet,
      ),
    );
    const raw = writeBundle(items.map((i) => ({ id: itemId(i), bytes: serializeItem(i) })));
    const bundle = unbundleData(Buffer.from(raw));
    assert.ok(await bundle.verify());
    assert.deepEqual(
      bundle.getIds(),
      items.map((i) => base64url(itemId(i))),
    );
  });
});
