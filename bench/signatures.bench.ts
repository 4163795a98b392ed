/**
 * Signing and verification. Baselines measured in the same run: raw
 * node:crypto RSA-PSS (the physical limit), hbsig (httpsig), and
 * @dha-team/arbundles (ANS-104).
 */
import { constants, createPrivateKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ArweaveSigner, createData, DataItem } from '@dha-team/arbundles';
import { createSigner, verify as hbsigVerify } from 'hbsig';
import {
  newItem,
  parseItem,
  serializeItem,
  signItem,
  verifyItem,
} from '../src/codecs/ans104/data-item.ts';
import { signHttpsig, verifyHttpsig } from '../src/codecs/httpsig/commit.ts';
import { httpToTabm, tabmToHttp } from '../src/codecs/httpsig/index.ts';
import { messageToTabm } from '../src/codecs/structured.ts';
import type { Message } from '../src/core/message.ts';
import { loadWallet } from '../src/crypto/wallet.ts';
import { sharedPath } from '../test/support/shared.ts';
import { measure, report } from './harness.ts';

const keyFile = sharedPath('fixtures', 'key-1.json');
const jwk = JSON.parse(readFileSync(keyFile, 'utf8'));
const wallet = loadWallet(keyFile);
const fields: Message = { action: 'Eval', data: 'return 1 + 1', 'data-protocol': 'ao', n: 42 };
const seconds = 1.5;

// Raw RSA-PSS: the work every signature must do.
const key = createPrivateKey({ key: jwk, format: 'jwk' });
const base = Buffer.alloc(512, 7);
const raw = await measure(
  'node:crypto RSA-PSS',
  () => sign('sha512', base, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 }),
  seconds,
);

// httpsig.
const ours = await measure('ours', () => signHttpsig({ ...fields }, wallet), seconds);
report('httpsig sign (RSA-PSS-SHA512) vs raw', ours, raw);
const hbsign = createSigner(jwk, 'http://localhost:1');
report(
  'httpsig sign vs hbsig',
  ours,
  await measure('hbsig', () => hbsign({ ...fields, path: '/x' }), seconds),
);

const signed = signHttpsig({ ...fields }, wallet);
const wire = tabmToHttp(messageToTabm(signed));
const rsaId = Object.keys(signed.commitments as Message).find(
  (id) => ((signed.commitments as Message)[id] as Message).alg === 'rsa-pss-sha512',
) as string;
const hbSigned = await hbsign({ ...fields, path: '/x' });
report(
  'httpsig decode + verify vs hbsig verify',
  await measure(
    'ours',
    () => {
      const msg = httpToTabm(wire) as Message;
      return verifyHttpsig(msg, rsaId);
    },
    seconds,
  ),
  await measure('hbsig', () => hbsigVerify(hbSigned), seconds),
);

// ANS-104.
const tags = [
  { name: 'Action', value: 'Eval' },
  { name: 'Data-Protocol', value: 'ao' },
];
const data = new TextEncoder().encode('return 1 + 1');
const arSigner = new ArweaveSigner(jwk);
report(
  'ans104 sign vs arbundles',
  await measure('ours', () => serializeItem(signItem(newItem({ tags, data }), wallet)), seconds),
  await measure(
    'arbundles',
    async () => {
      const item = createData('return 1 + 1', arSigner, { tags });
      await item.sign(arSigner);
      return item.getRaw();
    },
    seconds,
  ),
);
const item = createData('return 1 + 1', arSigner, { tags });
await item.sign(arSigner);
const itemBytes = new Uint8Array(item.getRaw());
report(
  'ans104 parse + verify vs arbundles',
  await measure('ours', () => verifyItem(parseItem(itemBytes)), seconds),
  await measure('arbundles', () => DataItem.verify(Buffer.from(itemBytes)), seconds),
);
report(
  'ans104 build + serialize (unsigned) vs arbundles',
  await measure('ours', () => serializeItem(newItem({ tags, data })), seconds),
  await measure(
    'arbundles',
    () => createData('return 1 + 1', arSigner, { tags }).getRaw(),
    seconds,
  ),
);
