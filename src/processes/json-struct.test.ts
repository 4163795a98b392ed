/**
 * Unit tests for the legacy AO JSON shape of a message (dev_json_iface's
 * message_to_json_struct) and Header-Case tag names.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sharedPath } from '../../test/support/shared.ts';
import { newItem, signItem } from '../codecs/ans104/data-item.ts';
import { itemToTabm } from '../codecs/ans104/index.ts';
import { signHttpsig } from '../codecs/httpsig/commit.ts';
import { type Tabm, tabmToMessage } from '../codecs/structured.ts';
import { base64url } from '../core/binary.ts';
import { loadWallet } from '../crypto/wallet.ts';
import { messageId } from '../engine/ids.ts';
import { headerCase, messageToJsonStruct } from './json-struct.ts';

const wallet = loadWallet(sharedPath('fixtures', 'key-2.json'));
const utf8 = (s: string) => new TextEncoder().encode(s);

describe('headerCase', () => {
  it('capitalises each dash-separated part', () => {
    assert.equal(headerCase('data-protocol'), 'Data-Protocol');
    assert.equal(headerCase('action'), 'Action');
    assert.equal(headerCase('ao-types'), 'Ao-Types');
    assert.equal(headerCase('x-a-b'), 'X-A-B');
  });

  it('keeps the rest of each part and empty parts as they are', () => {
    assert.equal(headerCase('from-PROCESS'), 'From-PROCESS');
    assert.equal(headerCase('Already-Cased'), 'Already-Cased');
    assert.equal(headerCase('a--b-'), 'A--B-');
    assert.equal(headerCase(''), '');
    assert.equal(headerCase('last_tx'), 'Last_tx');
  });
});

describe('messageToJsonStruct', () => {
  it('gives every field empty for an empty message', () => {
    assert.deepEqual(messageToJsonStruct({}), {
      Id: '',
      Anchor: '',
      Owner: '',
      From: '',
      Tags: [],
      Target: '',
      Data: '',
      Signature: '',
    });
  });

  it('reads the fields of an unsigned message; other keys are sorted Header-Case tags', () => {
    const msg = {
      type: 'Message',
      action: 'Eval',
      'data-protocol': 'ao',
      anchor: 'anchor-1',
      target: 'T'.repeat(43),
      data: 'return 1+1',
    };
    assert.deepEqual(messageToJsonStruct(msg), {
      Id: messageId(msg),
      Anchor: 'anchor-1',
      Owner: '',
      From: '',
      Tags: [
        { name: 'Action', value: 'Eval' },
        { name: 'Data-Protocol', value: 'ao' },
        { name: 'Type', value: 'Message' },
      ],
      Target: 'T'.repeat(43),
      Data: 'return 1+1',
      Signature: '',
    });
  });

  it('takes Owner (and From) from the first signer and Id over the signatures', () => {
    const msg = signHttpsig({ action: 'Eval', data: 'x' }, wallet);
    const json = messageToJsonStruct(msg);
    assert.equal(json.Owner, wallet.address);
    assert.equal(json.From, wallet.address);
    assert.equal(json.Id, messageId(msg, { committers: 'all' }));
    assert.notEqual(json.Id, messageId({ action: 'Eval', data: 'x' }));
    // Signatures live in commitments, which are not tags.
    assert.equal(json.Signature, '');
    assert.deepEqual(json.Tags, [{ name: 'Action', value: 'Eval' }]);
  });

  it('takes From from from-process when present', () => {
    const msg = signHttpsig({ 'from-process': 'F'.repeat(43), action: 'Reply' }, wallet);
    const json = messageToJsonStruct(msg);
    assert.equal(json.Owner, wallet.address);
    assert.equal(json.From, 'F'.repeat(43));
    assert.ok((json.Tags as { name: string }[]).some((t) => t.name === 'From-Process'));
  });

  it('gives typed values as text with an Ao-Types tag, and nested messages as JSON', () => {
    const json = messageToJsonStruct({ count: 5, nested: { a: 'b' } });
    assert.deepEqual(json.Tags, [
      { name: 'Ao-Types', value: 'count="integer"' },
      { name: 'Count', value: '5' },
      { name: 'Nested', value: '{"a":"b"}' },
    ]);
  });

  it('gives binaries that are not UTF-8 in base64url', () => {
    const bytes = new Uint8Array([0xff, 0xfe, 0x00, 0x01]);
    const json = messageToJsonStruct({ data: bytes, blob: bytes });
    assert.equal(json.Data, base64url(bytes));
    assert.deepEqual(json.Tags, [{ name: 'Blob', value: base64url(bytes) }]);
  });

  it('gives a 512-byte signature key in base64url, any other as text', () => {
    const raw = new Uint8Array(512).fill(0xab);
    assert.equal(messageToJsonStruct({ signature: raw }).Signature, base64url(raw));
    assert.equal(messageToJsonStruct({ signature: 'sig-text' }).Signature, 'sig-text');
    assert.deepEqual(messageToJsonStruct({ signature: 'sig-text' }).Tags, []);
  });

  it("uses an ANS-104 item's original tags verbatim, in order", () => {
    // Mixed case and order cannot be re-derived, so the commitment keeps them.
    const tags = [
      { name: 'Data-Protocol', value: 'ao' },
      { name: 'action', value: 'Eval' },
      ...Array.from({ length: 9 }, (_, i) => ({ name: `Tag-${i}`, value: `v${i}` })),
      { name: 'Zeta', value: 'last' },
    ];
    const item = signItem(
      newItem({ target: new Uint8Array(32).fill(0xfe), data: utf8('hello'), tags }),
      wallet,
    );
    const msg = tabmToMessage(itemToTabm(item) as Tabm);
    const json = messageToJsonStruct(msg);
    assert.deepEqual(json.Tags, tags);
    assert.equal(json.Owner, wallet.address);
    assert.equal(json.Id, messageId(msg, { committers: 'all' }));
    assert.equal(json.Data, 'hello');
    assert.equal(json.Target, base64url(new Uint8Array(32).fill(0xfe)));
  });
});
