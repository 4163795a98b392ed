/**
 * Random requests against a live node: HyperPATHs (`~device`, `&k=v`, `(...)`
 * sub-paths, `+type` casts, percent-escapes, odd bytes), random headers, and
 * bodies in every request codec (httpsig multipart and plain, json@1.0,
 * flat@1.0, structured@1.0, ans104@1.0 items whole, truncated or damaged).
 * Every request gets an answer that is not a 5xx (a client error is a 4xx),
 * and a health probe sent after each one answers with the node's address.
 *
 * Bounded: FUZZ_RUNS requests (default 300) from a fixed seed (FUZZ_SEED).
 * FUZZ_COLLECT=1 lists every failing request instead of stopping at the first.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { newItem, serializeItem, signItem } from '../../src/codecs/ans104/data-item.ts';
import type { RunningNode } from '../../src/http/server.ts';
import { clientWallet, send, startTestNode } from '../support/node.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const SEED = Number(process.env.FUZZ_SEED ?? 15);
const COLLECT = process.env.FUZZ_COLLECT === '1';

/** Devices to address; `cron@1.0` and `test-device@1.0` are left out (timers, sleeps). */
const DEVICES = [
  'message@1.0',
  'meta@1.0',
  'dedup@1.0',
  'multipass@1.0',
  'stack@1.0',
  'patch@1.0',
  'process@1.0',
  'scheduler@1.0',
  'push@1.0',
  'cache@1.0',
  'hyperbuddy@1.0',
  'json-iface@1.0',
  'wasi@1.0',
  'wasm-64@1.0',
  'genesis-wasm@1.0',
  'json@1.0',
  'flat@1.0',
  'httpsig@1.0',
  'structured@1.0',
  'ans104@1.0',
  'Message@1.0',
  'nope@1.0',
  '',
];

const ID = 'IYkkrqlZNW_J-4T-5eFApZOMRl5P4VjvrcOXWvIqB1Q';

/** Keys with meaning somewhere (`status` and `cache-control` are left out: they ask for a status). */
const KEYS = [
  'a',
  'b',
  'k1',
  'data',
  'body',
  'path',
  'id',
  'keys',
  'set',
  'remove',
  'verify',
  'commit',
  'committed',
  'committers',
  'info',
  'address',
  'build',
  'index',
  'compute',
  'now',
  'slot',
  'schedule',
  'results',
  'as',
  'device',
  'device-stack',
  'passes',
  'pass',
  'target',
  'type',
  'serialize',
  'deserialize',
  'item',
  'items',
  'mode',
  'read',
  'write',
  '1',
  '0',
  '-1',
  'Ab',
  'priv',
  'hashpath',
  'method',
  'commitments',
  'ao-types',
  'set-path',
  ID,
  'a/b',
  'a//b',
  '/a',
];

const TYPES = [
  'integer',
  'float',
  'atom',
  'list',
  'map',
  'resolve',
  'binary',
  'Integer',
  'nope',
  '',
];

/** Fragments for odd keys: escapes (valid, invalid, encoded slashes, NUL), syntax characters. */
const ODD = [
  '%',
  '%zz',
  '%00',
  '%2F',
  '%252F',
  '%ff',
  '%C3%A9',
  '~',
  '&',
  '=',
  '+',
  '(',
  ')',
  '.',
  ',',
  ';',
  "'",
  '*',
  '!',
  ':',
  '@',
  '$',
];
/** Bytes the HTTP parser refuses in a request target (400), now and then. */
const RAW = ['é', '\x80', '"', '[', ']', '{', '|', '\\', '^', '`'];

const word = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom(...KEYS) },
  { weight: 2, arbitrary: fc.stringMatching(/^[a-zA-Z0-9_-]{1,12}$/) },
  {
    weight: 2,
    arbitrary: fc
      .array(fc.oneof(fc.constantFrom(...ODD), fc.constantFrom(...KEYS)), {
        minLength: 1,
        maxLength: 3,
      })
      .map((parts) => parts.join('')),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.constantFrom(...RAW), fc.constantFrom(...KEYS)).map(([a, b]) => a + b),
  },
);

const value = fc.oneof(
  word,
  fc.integer({ min: -1000, max: 1000 }).map(String),
  fc.constantFrom(
    '',
    '1.5',
    'true',
    '"x"',
    '(1, 2)',
    '[1,2]',
    '{a: 1}',
    'a=1',
    '%41',
    '(/~message@1.0&x=1/x)',
  ),
);

const segment: fc.Arbitrary<string> = fc.letrec<{ segment: string; path: string }>((tie) => ({
  segment: fc.oneof(
    { weight: 5, arbitrary: word },
    {
      weight: 3,
      arbitrary: fc
        .tuple(fc.option(word, { nil: '' }), fc.constantFrom(...DEVICES))
        .map(([k, d]) => `${k}~${d}`),
    },
    {
      weight: 3,
      arbitrary: fc
        .array(fc.tuple(fc.constantFrom(...KEYS), fc.option(fc.constantFrom(...TYPES)), value), {
          maxLength: 3,
        })
        .map(
          (pairs) =>
            `~message@1.0${pairs.map(([n, t, v]) => `&${n}${t === null ? '' : `+${t}`}=${v}`).join('')}`,
        ),
    },
    {
      weight: 3,
      arbitrary: fc
        .tuple(
          word,
          fc.array(fc.tuple(word, fc.option(fc.constantFrom(...TYPES)), value), { maxLength: 3 }),
        )
        .map(
          ([k, pairs]) =>
            `${k}${pairs.map(([n, t, v]) => `&${n}${t === null ? '' : `+${t}`}=${v}`).join('')}`,
        ),
    },
    { weight: 1, arbitrary: fc.tuple(word, value).map(([k, v]) => `${k}=${v}`) },
    { weight: 1, arbitrary: tie('path').map((p) => `(${p})`) },
    { weight: 1, arbitrary: word.map((w) => encodeURIComponent(encodeURIComponent(w))) },
    { weight: 1, arbitrary: fc.constant(ID) },
  ),
  path: fc.array(tie('segment'), { minLength: 1, maxLength: 4 }).map((parts) => parts.join('/')),
})).segment;

const query = fc.option(
  fc
    .array(fc.tuple(word, fc.option(value)), { minLength: 1, maxLength: 3 })
    .map((pairs) => `?${pairs.map(([k, v]) => (v === null ? k : `${k}=${v}`)).join('&')}`),
  { nil: '' },
);

const target = fc
  .tuple(fc.array(segment, { minLength: 0, maxLength: 5 }), query, fc.boolean())
  .map(([parts, q, slash]) => `/${parts.join('/')}${slash ? '/' : ''}${q}`);

/** Header values: printable bytes, structured-field fragments. */
const headerValue = fc.oneof(
  value,
  fc.constantFrom(
    'a="integer", b="list"',
    'x=',
    'k1="nope"',
    'sig=:AAAA:',
    'sig=("@path" "a");alg="rsa-pss-sha512";keyid="abc"',
    'a=(',
    'application/json',
    'text/plain',
    'multipart/form-data; boundary="bnd"',
    'application/ans104',
    '*/*',
    'sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:',
  ),
  fc.stringMatching(/^[\x20-\x7e]{0,40}$/),
);

const HEADERS = [
  'ao-types',
  'ao-ids',
  'accept',
  'accept-codec',
  'require-codec',
  'signature',
  'signature-input',
  'content-digest',
  'body-keys',
  'inline-body-key',
  'content-type',
  'x-fuzz',
  'a',
  'k1',
  'path',
  'device',
];

const headers = fc.oneof(
  { weight: 3, arbitrary: fc.constant<Record<string, string>>({}) },
  { weight: 2, arbitrary: fc.dictionary(fc.constantFrom(...HEADERS), headerValue, { maxKeys: 3 }) },
);

interface Body {
  headers: Record<string, string>;
  bytes: Buffer;
}

const CODEC_DEVICES = [
  'httpsig@1.0',
  'json@1.0',
  'flat@1.0',
  'structured@1.0',
  'ans104@1.0',
  'nope@1.0',
  'message@1.0',
];

const partName = fc.oneof(
  word,
  fc.tuple(word, word).map(([a, b]) => `${a}/${b}`),
);

const multipart: fc.Arbitrary<Body> = fc
  .tuple(
    fc.array(
      fc.tuple(
        partName,
        fc.dictionary(fc.constantFrom('content-type', 'ao-types', 'x', 'body'), headerValue, {
          maxKeys: 2,
        }),
        value,
      ),
      { minLength: 1, maxLength: 6 },
    ),
    fc.constantFrom('bnd', 'b', 'x-y'),
    fc.constantFrom('end', 'end', 'end', 'end', 'none', 'truncate', 'other'),
    fc.nat(200),
  )
  .map(([parts, boundary, ending, cut]) => {
    let text = parts
      .map(([name, extra, body]) => {
        const lines = [`content-disposition: form-data;name="${name}"`];
        for (const [k, v] of Object.entries(extra)) lines.push(`${k}: ${v}`);
        return `--${boundary}\r\n${lines.join('\r\n')}\r\n\r\n${body}\r\n`;
      })
      .join('');
    if (ending === 'end') text += `--${boundary}--`;
    if (ending === 'truncate') text = text.slice(0, cut);
    const type =
      ending === 'other'
        ? 'multipart/form-data; boundary="zzz"'
        : `multipart/form-data; boundary="${boundary}"`;
    return { headers: { 'content-type': type }, bytes: Buffer.from(text, 'latin1') };
  });

const jsonValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { maxDepth: 3, depthIdentifier: 'json' },
    { weight: 4, arbitrary: fc.oneof(value, fc.integer(), fc.boolean(), fc.constant(null)) },
    { weight: 1, arbitrary: fc.array(tie('value'), { maxLength: 4 }) },
    { weight: 1, arbitrary: fc.dictionary(fc.oneof(word, partName), tie('value'), { maxKeys: 4 }) },
  ),
})).value;

const jsonText: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .dictionary(fc.oneof(word, partName), jsonValue, { maxKeys: 6 })
      .map((o) => JSON.stringify(o)),
  },
  { weight: 1, arbitrary: jsonValue.map((v) => JSON.stringify(v) ?? 'null') },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.dictionary(word, jsonValue, { maxKeys: 4 }), fc.nat(60))
      .map(([o, cut]) => JSON.stringify(o).slice(0, cut)),
  },
);

const flatText = fc
  .array(fc.tuple(fc.oneof(partName, word), value), { maxLength: 6 })
  .map((lines) => lines.map(([k, v]) => `${k}: ${v}\n`).join(''));

function codecBody(device: string, bytes: fc.Arbitrary<string>): fc.Arbitrary<Body> {
  return bytes.map((text) => ({
    headers: { 'codec-device': device },
    bytes: Buffer.from(text, 'utf8'),
  }));
}

/** Valid signed ANS-104 items (made once), for whole, truncated and damaged bodies. */
let items: Buffer[] = [];

const ans104: fc.Arbitrary<Body> = fc
  .tuple(
    fc.nat(7),
    fc.constantFrom('whole', 'truncate', 'flip', 'garbage'),
    fc.nat(5000),
    fc.uint8Array({ maxLength: 200 }),
    fc.boolean(),
  )
  .map(([which, how, at, garbage, byType]) => {
    const item = items[which % Math.max(items.length, 1)] ?? Buffer.alloc(0);
    let bytes: Buffer;
    if (how === 'whole') bytes = item;
    else if (how === 'truncate') bytes = item.subarray(0, at % Math.max(item.length, 1));
    else if (how === 'flip') {
      bytes = Buffer.from(item);
      if (bytes.length > 0) bytes[at % bytes.length] = (bytes[at % bytes.length] as number) ^ 0xff;
    } else bytes = Buffer.from(garbage);
    const headers: Record<string, string> = byType
      ? { 'content-type': 'application/ans104' }
      : { 'codec-device': 'ans104@1.0' };
    return { headers, bytes };
  });

const body: fc.Arbitrary<Body | undefined> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  { weight: 3, arbitrary: multipart },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.option(headerValue)).map(
      ([bytes, type]): Body => ({
        headers: type === null ? {} : { 'content-type': type },
        bytes: Buffer.from(bytes),
      }),
    ),
  },
  { weight: 2, arbitrary: codecBody('json@1.0', jsonText) },
  { weight: 2, arbitrary: codecBody('flat@1.0', flatText) },
  { weight: 1, arbitrary: codecBody('structured@1.0', fc.oneof(flatText, jsonText)) },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.constantFrom(...CODEC_DEVICES), fc.oneof(jsonText, flatText)).map(
      ([device, text]): Body => ({
        headers: { 'codec-device': device },
        bytes: Buffer.from(text),
      }),
    ),
  },
  { weight: 2, arbitrary: ans104 },
);

const METHODS = ['GET', 'GET', 'GET', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'TRACE', 'HEAD'];

interface FuzzRequest {
  method: string;
  target: string;
  headers: Record<string, string>;
  body?: Body;
}

const request: fc.Arbitrary<FuzzRequest> = fc
  .record({
    method: fc.constantFrom(...METHODS),
    target,
    headers,
    body,
  })
  .map(({ method, target: t, headers: h, body: b }) => ({
    method,
    target: t,
    headers: h,
    ...(b === undefined ? {} : { body: b }),
  }));

/** The request's bytes, written as given (no client-side checks). */
function requestBytes(req: FuzzRequest): Buffer {
  const fields: Record<string, string> = { ...req.headers, ...(req.body?.headers ?? {}) };
  // A space would end the request target early: it is sent escaped.
  const target = req.target.replaceAll(' ', '%20');
  let head = `${req.method} ${target} HTTP/1.1\r\nhost: fuzz\r\nconnection: close\r\n`;
  for (const [name, v] of Object.entries(fields)) head += `${name}: ${v}\r\n`;
  const bytes = req.body?.bytes ?? Buffer.alloc(0);
  if (bytes.length > 0 || req.method === 'POST') head += `content-length: ${bytes.length}\r\n`;
  return Buffer.concat([Buffer.from(`${head}\r\n`, 'latin1'), bytes]);
}

interface Answer {
  status: number;
  text: string;
}

/** Send one request on a fresh connection: its status, or 0 if the connection ended without one. */
function exchange(port: number, bytes: Buffer): Promise<Answer> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), 60_000);
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text });
    });
    socket.on('error', () => undefined);
    socket.end(bytes);
  });
}

function describeRequest(req: FuzzRequest): string {
  return JSON.stringify(requestBytes(req).toString('latin1').slice(0, 2000));
}

describe('fuzzing a live node', { timeout: 300_000 }, () => {
  let node: RunningNode;
  before(async () => {
    node = await startTestNode();
    const wallet = clientWallet;
    const tagSets = [
      [],
      [{ name: 'Action', value: 'Eval' }],
      [
        { name: 'Type', value: 'Message' },
        { name: 'Data-Protocol', value: 'ao' },
      ],
      [{ name: 'path', value: 'k1' }],
      [{ name: 'device', value: 'message@1.0' }],
      [{ name: 'k1', value: 'v' }],
    ];
    items = tagSets.map((tags, i) =>
      Buffer.from(
        serializeItem(
          signItem(newItem({ tags, data: new TextEncoder().encode(`data ${i}`) }), wallet),
        ),
      ),
    );
  });
  after(() => node.stop());

  it('answers every request without a 5xx, and keeps answering a health probe', async () => {
    const failures: string[] = [];
    await fc.assert(
      fc.asyncProperty(request, async (req) => {
        const answer = await exchange(node.port, requestBytes(req));
        const problem =
          answer.status === 0
            ? 'no answer'
            : answer.status >= 500
              ? `status ${answer.status}: ${answer.text.slice(0, 600)}`
              : undefined;
        const probe = await send(node, { path: '/~meta@1.0/info/address' });
        const sick =
          probe.status !== 200 || probe.text !== node.address
            ? `health probe: ${probe.status} ${probe.text.slice(0, 200)}`
            : undefined;
        const failure = problem ?? sick;
        if (failure === undefined) return;
        if (!COLLECT) assert.fail(`${failure}\nrequest: ${describeRequest(req)}`);
        failures.push(`${failure}\nrequest: ${describeRequest(req)}`);
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    if (COLLECT) {
      for (const failure of failures) console.log(`---\n${failure}`);
      assert.deepEqual(failures, []);
    }
  });

  it('answers every device and key it names without a 5xx', async () => {
    const keys = [
      'compute',
      'init',
      'normalize',
      'snapshot',
      'now',
      'results',
      'slot',
      'schedule',
      'push',
      'read',
      'write',
      'serialize',
      'deserialize',
      'commit',
      'verify',
      'committed',
      'id',
      'keys',
      'set',
      'remove',
      'info',
      'build',
      'index',
      'transform',
      'a/b',
    ];
    const bodies: [string, Record<string, string>, string][] = [
      ['GET', {}, ''],
      ['POST', { 'codec-device': 'json@1.0' }, `{"a":1,"data":"x","target":"${ID}"}`],
      ['POST', { 'content-type': 'application/wasm' }, 'garbage'],
    ];
    const failures: string[] = [];
    for (const device of DEVICES) {
      for (const key of keys) {
        for (const [method, headers, text] of bodies) {
          const req: FuzzRequest = {
            method,
            target: `/~${device}/${key}`,
            headers,
            ...(text ? { body: { headers: {}, bytes: Buffer.from(text) } } : {}),
          };
          const answer = await exchange(node.port, requestBytes(req));
          if (answer.status === 0 || answer.status >= 500) {
            failures.push(`${answer.status} ${describeRequest(req)}: ${answer.text.slice(-300)}`);
          }
        }
      }
    }
    const probe = await send(node, { path: '/~meta@1.0/info/address' });
    assert.equal(probe.status, 200);
    assert.deepEqual(failures, []);
  });
});
