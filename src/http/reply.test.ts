/**
 * Unit tests for HTTP replies (HyperBEAM's hb_http:reply): choosing the
 * reply codec, and encoding a result message in it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseItem } from '../codecs/ans104/data-item.ts';
import { ans104Codec } from '../codecs/ans104/index.ts';
import { httpToTabm } from '../codecs/httpsig/index.ts';
import { boundaryOf } from '../codecs/httpsig/multipart.ts';
import { CodecRegistry } from '../codecs/index.ts';
import { jsonCodec } from '../codecs/json.ts';
import { tabmToMessage } from '../codecs/structured.ts';
import { createContext } from '../defaults.ts';
import { acceptCodec, CORS_HEADERS, encodeReply, mimeToCodec, textReply } from './reply.ts';

const ctx = createContext();
const codecs = ctx.services.codecs;
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const unknownCodec = { name: 'BadRequestError', code: 'unknown_codec', status: 400 };

/** A registry with a made-up `x@1.0` codec (JSON under another name). */
const withX = new CodecRegistry().register(jsonCodec).register({ ...jsonCodec, name: 'x@1.0' });

describe('mimeToCodec', () => {
  it('maps application/<name> to <name>@1.0', () => {
    assert.equal(mimeToCodec('application/json', codecs), 'json@1.0');
    assert.equal(mimeToCodec('application/ans104', codecs), 'ans104@1.0');
  });

  it('keeps an explicit version in application/<name@version>', () => {
    assert.equal(mimeToCodec('application/flat@1.0', codecs), 'flat@1.0');
  });

  it('maps application/x only when x@1.0 is registered', () => {
    assert.equal(mimeToCodec('application/x', codecs), undefined);
    assert.equal(mimeToCodec('application/x', withX), 'x@1.0');
    assert.equal(mimeToCodec('application/octet-stream', codecs), undefined);
  });

  it('maps device/<codec> to the codec', () => {
    assert.equal(mimeToCodec('device/httpsig@1.0', codecs), 'httpsig@1.0');
    assert.equal(mimeToCodec('device/x@1.0', withX), 'x@1.0');
    assert.equal(mimeToCodec('device/x@1.0', codecs), undefined);
  });

  it('takes the first range in a list that names a codec, ignoring q parameters', () => {
    assert.equal(mimeToCodec('text/html, application/json;q=0.5', codecs), 'json@1.0');
    assert.equal(
      mimeToCodec('application/json; q=0.1, device/flat@1.0; q=1.0', codecs),
      'json@1.0',
    );
    assert.equal(mimeToCodec('text/html;q=0.9,device/ans104@1.0', codecs), 'ans104@1.0');
  });

  it('is case-insensitive and trims spaces', () => {
    assert.equal(mimeToCodec('  Application/JSON ', codecs), 'json@1.0');
  });

  it('is undefined when nothing fits', () => {
    assert.equal(mimeToCodec('', codecs), undefined);
    assert.equal(mimeToCodec('*/*', codecs), undefined);
    assert.equal(mimeToCodec('text/html, text/plain', codecs), undefined);
  });
});

describe('acceptCodec', () => {
  it("uses the node's default_codec, else httpsig@1.0", () => {
    assert.equal(acceptCodec({}, ctx), 'httpsig@1.0');
    assert.equal(
      acceptCodec({}, createContext({ config: { default_codec: 'json@1.0' } })),
      'json@1.0',
    );
  });

  it('reads the Accept header', () => {
    assert.equal(acceptCodec({ accept: 'application/json' }, ctx), 'json@1.0');
    assert.equal(acceptCodec({ accept: 'device/flat@1.0' }, ctx), 'flat@1.0');
  });

  it('falls back to the default when Accept names no codec', () => {
    assert.equal(acceptCodec({ accept: 'text/html' }, ctx), 'httpsig@1.0');
    assert.equal(
      acceptCodec({ accept: '*/*' }, createContext({ config: { default_codec: 'json@1.0' } })),
      'json@1.0',
    );
  });

  it('prefers accept-codec to Accept', () => {
    const singleton = { 'accept-codec': 'ans104@1.0', accept: 'application/json' };
    assert.equal(acceptCodec(singleton, ctx), 'ans104@1.0');
  });

  it('lower-cases an accept-codec name', () => {
    assert.equal(acceptCodec({ 'accept-codec': 'JSON@1.0' }, ctx), 'json@1.0');
  });

  it('refuses an unknown accept-codec', () => {
    assert.throws(() => acceptCodec({ 'accept-codec': 'nope@1.0' }, ctx), unknownCodec);
  });

  it('prefers require-codec to accept-codec and Accept', () => {
    const singleton = {
      'require-codec': 'application/json',
      'accept-codec': 'ans104@1.0',
      accept: 'device/flat@1.0',
    };
    assert.equal(acceptCodec(singleton, ctx), 'json@1.0');
  });

  it('accepts a codec name as require-codec', () => {
    assert.equal(acceptCodec({ 'require-codec': 'flat@1.0' }, ctx), 'flat@1.0');
    assert.equal(acceptCodec({ 'require-codec': 'device/flat@1.0' }, ctx), 'flat@1.0');
  });

  it('reads require-codec from the query of the path', () => {
    const singleton = { path: '/~meta@1.0/info?a=1&require-codec=application/json' };
    assert.equal(acceptCodec(singleton, ctx), 'json@1.0');
    const upper = { path: '/x?Require-Codec=application/json', 'accept-codec': 'flat@1.0' };
    assert.equal(acceptCodec(upper, ctx), 'json@1.0');
  });

  it('lower-cases a require-codec name and percent-decodes the query', () => {
    assert.equal(acceptCodec({ 'require-codec': 'HTTPSIG@1.0' }, ctx), 'httpsig@1.0');
    const encoded = { path: '/x?require-codec=application%2Fjson' };
    assert.equal(acceptCodec(encoded, ctx), 'json@1.0');
  });

  it('prefers a require-codec key to the query', () => {
    const singleton = {
      path: '/x?require-codec=application/json',
      'require-codec': 'device/ans104@1.0',
    };
    assert.equal(acceptCodec(singleton, ctx), 'ans104@1.0');
  });

  it('ignores a query without require-codec', () => {
    assert.equal(
      acceptCodec({ path: '/x?codec=json@1.0', accept: 'application/json' }, ctx),
      'json@1.0',
    );
    assert.equal(
      acceptCodec({ path: '/x?require-codec', accept: 'application/json' }, ctx),
      'json@1.0',
    );
  });

  it('refuses a require-codec with no codec', () => {
    assert.throws(() => acceptCodec({ 'require-codec': 'text/html' }, ctx), unknownCodec);
    assert.throws(() => acceptCodec({ path: '/x?require-codec=text/html' }, ctx), unknownCodec);
  });
});

describe('encodeReply', () => {
  it('httpsig@1.0: keys as headers, the body as the body, with CORS headers', () => {
    const reply = encodeReply({ status: 200, a: '1', body: 'hello' }, 'httpsig@1.0', ctx);
    assert.equal(reply.status, 200);
    assert.equal(reply.headers.a, '1');
    assert.equal(reply.headers.status, '200');
    assert.equal(reply.headers['ao-types'], 'status="integer"');
    assert.match(reply.headers['content-digest'] ?? '', /^sha-256=:.+:$/);
    assert.equal(reply.headers.body, undefined);
    assert.equal(text(reply.body), 'hello');
    for (const [name, value] of Object.entries(CORS_HEADERS)) {
      assert.equal(reply.headers[name], value);
    }
  });

  it('httpsig@1.0: decodes back to the message', () => {
    const msg = { status: 201, a: '1', n: 2, body: 'hello' };
    const reply = encodeReply(msg, 'httpsig@1.0', ctx);
    const fields = Object.entries(reply.headers).filter(([name]) => !(name in CORS_HEADERS));
    const decoded = httpToTabm({ ...Object.fromEntries(fields), body: text(reply.body) });
    assert.deepEqual(tabmToMessage(decoded), msg);
  });

  it('httpsig@1.0: an empty body without a body key', () => {
    const reply = encodeReply({ a: '1' }, 'httpsig@1.0', ctx);
    assert.equal(reply.body.length, 0);
    assert.equal(reply.headers['content-digest'], undefined);
  });

  it('httpsig@1.0: keys no header can carry go to a multipart body', () => {
    const reply = encodeReply({ 'a key': 'x', 'content-length': '9' }, 'httpsig@1.0', ctx);
    assert.equal(reply.headers['a key'], undefined);
    assert.equal(reply.headers['content-length'], undefined);
    assert.ok(boundaryOf(reply.headers['content-type']));
    assert.match(text(reply.body), /a key/);
  });

  it('json@1.0: a JSON body, its content type and codec-device header', () => {
    const reply = encodeReply({ status: 201, a: '1', body: 'hello' }, 'json@1.0', ctx);
    assert.equal(reply.status, 201);
    assert.equal(reply.headers['content-type'], 'application/json');
    assert.equal(reply.headers['codec-device'], 'json@1.0');
    assert.equal(reply.headers['access-control-allow-origin'], '*');
    const parsed = JSON.parse(text(reply.body));
    assert.equal(parsed.a, '1');
    assert.equal(parsed.body, 'hello');
    assert.equal(parsed.status, 201);
  });

  it('json@1.0: scalar keys also as headers, but not the body', () => {
    const reply = encodeReply({ a: '1', body: 'hello' }, 'json@1.0', ctx);
    assert.equal(reply.headers.a, '1');
    assert.equal(reply.headers.body, undefined);
  });

  it('json@1.0: keys and values no header can carry stay out of the headers', () => {
    const long = 'y'.repeat(5000);
    const reply = encodeReply(
      { 'a key': 'x', ctrl: 'a\nb', long, nested: { b: '1' } },
      'json@1.0',
      ctx,
    );
    for (const key of ['a key', 'ctrl', 'long', 'nested', 'nested/b']) {
      assert.equal(reply.headers[key], undefined, key);
    }
    const parsed = JSON.parse(text(reply.body));
    assert.equal(parsed['a key'], 'x');
    assert.equal(parsed.ctrl, 'a\nb');
    assert.equal(parsed.long, long);
    assert.deepEqual(parsed.nested, { b: '1' });
  });

  it('ans104@1.0: the body is a parseable data item', () => {
    const msg = { status: 200, a: '1', body: 'hello' };
    const reply = encodeReply(msg, 'ans104@1.0', ctx);
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['content-type'], 'application/ans104');
    assert.equal(reply.headers['codec-device'], 'ans104@1.0');
    const item = parseItem(reply.body);
    assert.ok(item.tags.some((tag) => tag.name === 'a' && tag.value === '1'));
    assert.deepEqual(tabmToMessage(ans104Codec.toTabm(item)), msg);
  });

  it('takes the status from the message', () => {
    assert.equal(encodeReply({ status: 404 }, 'httpsig@1.0', ctx).status, 404);
    assert.equal(encodeReply({ status: 'created' }, 'json@1.0', ctx).status, 201);
    assert.equal(encodeReply({ status: '503' }, 'httpsig@1.0', ctx).status, 503);
    assert.equal(encodeReply({}, 'httpsig@1.0', ctx).status, 200);
    assert.equal(encodeReply({ status: 1000 }, 'httpsig@1.0', ctx).status, 500);
  });

  it('echoes requested headers as access-control-allow-headers', () => {
    const asked = { 'access-control-request-headers': 'x-foo, x-bar' };
    const reply = encodeReply({ a: '1' }, 'httpsig@1.0', ctx, asked);
    assert.equal(reply.headers['access-control-allow-headers'], 'x-foo, x-bar');
    const none = encodeReply({ a: '1' }, 'httpsig@1.0', ctx, {
      'access-control-request-headers': '',
    });
    assert.equal(none.headers['access-control-allow-headers'], undefined);
  });

  it('refuses a codec without a byte form', () => {
    assert.throws(() => encodeReply({ a: '1' }, 'structured@1.0', ctx), {
      name: 'BadRequestError',
      code: 'no_byte_form',
    });
  });
});

describe('textReply', () => {
  it('is plain UTF-8 text with CORS headers', () => {
    const reply = textReply(413, 'too large ✓');
    assert.equal(reply.status, 413);
    assert.equal(reply.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(reply.headers['access-control-allow-origin'], '*');
    assert.equal(text(reply.body), 'too large ✓');
  });
});
