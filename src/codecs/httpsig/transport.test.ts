/**
 * httpsig@1.0 transport encoding (tabmToHttp with `transport: true`): keys
 * and values an HTTP header line cannot carry unchanged move to multipart
 * body parts, and decoding gives back the same TABM.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Message } from '../../core/message.ts';
import { messageToTabm, type Tabm, tabmToMessage } from '../structured.ts';
import { parseList } from '../structured-fields.ts';
import { httpToTabm } from './decode.ts';
import { tabmToHttp } from './encode.ts';
import { boundaryOf, parseMultipart } from './multipart.ts';
import type { HttpFields } from './signature-base.ts';

const transport = (tabm: Tabm) => tabmToHttp(tabm, { transport: true });

/** The names listed in a body-keys header. */
const bodyKeys = (fields: HttpFields) =>
  parseList(fields['body-keys'] ?? '').map((m) => (m.kind === 'item' ? m.value.value : undefined));

/** The parts of an encoded multipart body. */
function partsOf(fields: HttpFields, inlineKey = 'body') {
  const boundary = boundaryOf(fields['content-type']);
  assert.ok(boundary, 'a multipart content-type');
  return parseMultipart(fields.body as string, boundary, inlineKey).parts;
}

/** The message, encoded for transport and decoded again, compared both as TABM and message. */
function assertRoundTrip(msg: Message) {
  const tabm = messageToTabm(msg);
  const back = httpToTabm(transport(tabm));
  assert.deepEqual(back, tabm);
  assert.deepEqual(tabmToMessage(back), tabmToMessage(tabm));
  assert.deepEqual(tabmToMessage(back), msg);
}

describe('httpsig@1.0 transport encoding', () => {
  it('keeps header-safe keys and values as headers, like the canonical encoding', () => {
    const tabm = messageToTabm({ a: '1', 'x-custom_key': 'v', tab: 'a\tb', utf: 'é' });
    assert.deepEqual(transport(tabm), tabmToHttp(tabm));
    assert.equal(transport(tabm).body, undefined);
  });

  it('moves keys that are not header names to the body', () => {
    const tabm = messageToTabm({ 'a key': 'x', ünï: 'y', plain: 'ok' });
    const canonical = tabmToHttp(tabm);
    assert.equal(canonical['a key'], 'x');
    assert.equal(canonical.ünï, 'y');
    const fields = transport(tabm);
    assert.equal(fields['a key'], undefined);
    assert.equal(fields.ünï, undefined);
    assert.equal(fields.plain, 'ok');
    assert.deepEqual(bodyKeys(fields), ['a key', 'ünï']);
    assert.deepEqual(partsOf(fields), { 'a key': 'x', ünï: 'y' });
  });

  it('moves keys that would change HTTP framing to the body', () => {
    const framing = {
      'content-length': '5',
      'transfer-encoding': 'chunked',
      connection: 'close',
      'keep-alive': 'timeout=5',
      'content-encoding': 'gzip',
      te: 'trailers',
      trailer: 'x',
      upgrade: 'h2c',
      'proxy-connection': 'close',
    };
    const fields = transport(messageToTabm(framing));
    for (const key of Object.keys(framing)) assert.equal(fields[key], undefined, key);
    assert.deepEqual(partsOf(fields), framing);
    assert.deepEqual(bodyKeys(fields), Object.keys(framing).sort());
  });

  it('moves values with control characters to the body', () => {
    const values = {
      lf: 'a\nb',
      crlf: 'a\r\nb',
      nul: 'a\u0000b',
      del: 'a\u007fb',
      esc: '\u001b[0m',
    };
    const fields = transport(messageToTabm({ ...values, ok: 'fine' }));
    for (const key of Object.keys(values)) assert.equal(fields[key], undefined, key);
    assert.equal(fields.ok, 'fine');
    assert.deepEqual(partsOf(fields), values);
  });

  it('moves values with leading or trailing spaces or tabs to the body', () => {
    const values = { lead: ' x', trail: 'x ', ltab: '\tx', ttab: 'x\t', blank: '  ' };
    const fields = transport(messageToTabm({ ...values, inner: 'a b' }));
    for (const key of Object.keys(values)) assert.equal(fields[key], undefined, key);
    assert.equal(fields.inner, 'a b');
    assert.deepEqual(partsOf(fields), values);
  });

  it('gives a multipart body its content type, body-keys and digest', () => {
    const fields = transport(messageToTabm({ 'a key': 'x' }));
    assert.match(String(fields['content-type']), /^multipart\/form-data; boundary="[^"]+"$/);
    assert.deepEqual(bodyKeys(fields), ['a key']);
    assert.match(String(fields['content-digest']), /^sha-256=:.+:$/);
  });

  it('keeps the inline body beside the moved keys', () => {
    const fields = transport(messageToTabm({ body: 'payload', 'a key': 'x', ok: '1' }));
    assert.equal(fields.ok, '1');
    assert.deepEqual(partsOf(fields), { body: 'payload', 'a key': 'x' });
  });

  it('moves unsafe values of nested messages to their own parts', () => {
    const fields = transport(messageToTabm({ nested: { ok: 'x', bad: 'a\r\nb', 'sp ace': 'v' } }));
    assert.deepEqual(partsOf(fields), {
      nested: { ok: 'x' },
      'nested/bad': 'a\r\nb',
      'nested/sp ace': 'v',
    });
  });

  it('decodes back to the same TABM', () => {
    assertRoundTrip({ 'a key': 'x', ünï: 'y', plain: 'ok' });
    assertRoundTrip({ 'content-length': '5', 'transfer-encoding': 'chunked', connection: 'close' });
    assertRoundTrip({ ctrl: 'a\nb', lead: ' x', trail: 'x ', nul: 'a\u0000b' });
    assertRoundTrip({ body: 'payload', 'a key': 'x', n: 5, list: [1, 'two'] });
    assertRoundTrip({ nested: { ok: 'x', bad: 'a\r\nb', 'sp ace': 'v' }, top: 'fine' });
  });

  it('decodes both encodings to the same message', () => {
    const msg: Message = { 'a key': 'x', ctrl: 'a\nb', 'content-length': '5', n: 1 };
    const tabm = messageToTabm(msg);
    assert.deepEqual(
      tabmToMessage(httpToTabm(transport(tabm))),
      tabmToMessage(httpToTabm(tabmToHttp(tabm))),
    );
  });
});
