/**
 * HyperBEAM's codec vectors (../shared/vectors/codec-vectors.json): the
 * deterministic fields of structured@1.0, flat@1.0 and httpsig@1.0 must
 * match byte for byte.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { serializeFlat, tabmToFlat } from '../../src/codecs/flat.ts';
import { committedKeys, verifyHttpsig } from '../../src/codecs/httpsig/commit.ts';
import {
  hmacBase,
  httpToTabm,
  resetHmac,
  tabmToHttp,
  unsignedId,
} from '../../src/codecs/httpsig/index.ts';
import {
  addDerived,
  componentsOf,
  signatureBase,
  signatureInput,
  withContentDigest,
} from '../../src/codecs/httpsig/signature-base.ts';
import { messageToTabm, type Tabm, tabmToMessage } from '../../src/codecs/structured.ts';
import { base64url, toBytes } from '../../src/core/binary.ts';
import { type Message, type Value, valueEquals } from '../../src/core/message.ts';
import { messageId } from '../../src/engine/ids.ts';
import { parseErlang } from '../support/erlang-term.ts';
import { readVectors, sharedPath } from '../support/shared.ts';
import { fromVector, type Json, vectorBinary } from '../support/vector-values.ts';

interface HttpsigVector {
  name: string;
  erlang_input: string;
  tabm: Json;
  unsigned_http: { headers: Record<string, Json>; body: Json };
  unsigned_id: string;
  unsigned_hmac_signature_base: Json;
  signed_http: { headers: Record<string, Json>; body: Json };
  rsa_signature_params: string;
  rsa_signature_base: Json;
  signed_hmac_signature_base: Json;
  commitments: Record<string, Record<string, Json>>;
  hmac_commitment_id: string;
  rsa_commitment_id: string;
  id_none: string;
  id_all: string;
  id_default: string;
  committed_keys: string[];
}

interface CodecVectors {
  hyperbeam: {
    httpsig: HttpsigVector[];
    structured: { name: string; erlang_value: string; tabm: Json }[];
    flat: { input_erlang: string; flat: Record<string, string>; serialized: string };
  };
}

const vectors = readVectors<CodecVectors>('codec-vectors.json');
const key1 = JSON.parse(readFileSync(sharedPath('fixtures', 'key-1.json'), 'utf8')) as {
  n: string;
};

const tabmOf = (json: Json) => fromVector(json) as Tabm;
const bytes = (json: Json) => Buffer.from(toBytes(vectorBinary(json)));

function httpFields(http: { headers: Record<string, Json>; body: Json }) {
  const fields: Record<string, string | Uint8Array> = {};
  for (const [k, v] of Object.entries(http.headers)) fields[k] = vectorBinary(v);
  const body = vectorBinary(http.body);
  if (toBytes(body).length > 0) fields.body = body;
  return fields;
}

describe('hyperbeam.structured vectors', () => {
  for (const v of vectors.hyperbeam.structured) {
    it(v.name, () => {
      const value = parseErlang(v.erlang_value);
      const tabm = messageToTabm({ [v.name]: value });
      assert.deepEqual(tabm, tabmOf(v.tabm));
      const back = tabmToMessage(tabm);
      assert.ok(valueEquals(back[v.name], value), `round trip of ${v.erlang_value}`);
    });
  }
});

describe('hyperbeam.flat vector', () => {
  it('flattens and serialises', () => {
    const { flat, serialized, input_erlang } = vectors.hyperbeam.flat;
    const tabm = messageToTabm(parseErlang(input_erlang) as Message);
    assert.deepEqual(tabmToFlat(tabm), flat);
    assert.equal(serializeFlat(tabmToFlat(tabm)), serialized);
  });
});

describe('hyperbeam.httpsig vectors', () => {
  for (const v of vectors.hyperbeam.httpsig) {
    describe(v.name, () => {
      const tabm = tabmOf(v.tabm);

      it('encodes the Erlang input to the same TABM', () => {
        assert.deepEqual(messageToTabm(parseErlang(v.erlang_input) as Message), tabm);
      });

      it('encodes the TABM to the same unsigned HTTP message', () => {
        const expected = httpFields(v.unsigned_http);
        const actual = tabmToHttp(tabm);
        assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort());
        for (const key of Object.keys(expected)) {
          assert.deepEqual(
            Buffer.from(toBytes(actual[key] as Value as string)),
            Buffer.from(toBytes(expected[key] as string)),
            key,
          );
        }
      });

      it('computes the same unsigned HMAC base and ID', () => {
        assert.deepEqual(
          Buffer.from(toBytes(hmacBase(tabm))),
          bytes(v.unsigned_hmac_signature_base),
        );
        assert.equal(unsignedId(tabm), v.unsigned_id);
        assert.equal(messageId(tabmToMessage(tabm)), v.unsigned_id);
        assert.equal(v.id_none, v.unsigned_id);
      });

      it('decodes the unsigned HTTP message back to the TABM', () => {
        assert.deepEqual(httpToTabm(httpFields(v.unsigned_http)), tabm);
      });

      it('builds the same RSA signature base for key-1', () => {
        const { 'body-keys': _b, ...encoded } = tabmToHttp(tabm);
        const fields = withContentDigest(encoded);
        const components = Object.keys(fields).sort().map(addDerived);
        const input = signatureInput(components, { alg: 'rsa-pss-sha512', keyid: key1.n });
        assert.deepEqual(
          Buffer.from(toBytes(signatureBase(components, input, fields))),
          bytes(v.rsa_signature_base),
        );
      });

      it('decodes the signed HTTP message into the same commitments and IDs', () => {
        const decoded = httpToTabm(httpFields(v.signed_http));
        assert.deepEqual(decoded.commitments, tabmOf(v.commitments as Json));
        const hmacCommitment = (decoded.commitments as Tabm)[v.hmac_commitment_id] as Tabm;
        assert.equal(hmacCommitment.alg, 'hmac-sha256');
        const input = hmacCommitment['signature-input'] as string;
        const expectedBase = bytes(v.signed_hmac_signature_base);
        const { commitments: _c, ...plain } = decoded;
        assert.deepEqual(
          Buffer.from(toBytes(hmacBase({ ...plain, 'signature-input': input }))),
          expectedBase,
        );
        assert.deepEqual(
          componentsOf(input),
          componentsOf(v.rsa_signature_params.length > 0 ? `x=${v.rsa_signature_params}` : ''),
        );
        const msg = tabmToMessage(decoded);
        for (const id of Object.keys(msg.commitments as Message)) {
          assert.ok(verifyHttpsig(msg, id), `commitment ${id} verifies`);
        }
        assert.deepEqual(committedKeys(msg, v.rsa_commitment_id), v.committed_keys);
        assert.equal(messageId(msg, { committers: [] }), v.id_none);
        assert.equal(messageId(msg, { committers: 'all' }), v.id_all);
        assert.equal(messageId(msg), v.id_default);
        assert.equal(base64url(Buffer.from(v.rsa_commitment_id, 'base64url')), v.rsa_commitment_id);
        assert.deepEqual(
          Object.keys(resetHmac(decoded).commitments as Tabm).sort(),
          Object.keys(decoded.commitments as Tabm).sort(),
        );
      });
    });
  }
});
