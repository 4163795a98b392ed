/**
 * Unit tests for HTTP statuses of results (HyperBEAM's dev_meta:embed_status):
 * statusOf, embedStatus and httpStatus.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sharedPath } from '../../test/support/shared.ts';
import { signHttpsig } from '../codecs/httpsig/commit.ts';
import { createCodecRegistry } from '../codecs/index.ts';
import { Atom, Float, type Message } from '../core/message.ts';
import { loadWallet } from '../crypto/wallet.ts';
import { embedStatus, httpStatus, statusOf } from './status.ts';

const codecs = createCodecRegistry();

describe('statusOf', () => {
  it('maps an outcome-named atom body to its status', () => {
    assert.equal(statusOf({ body: Atom.of('not_found') }, 'ok'), 404);
    assert.equal(statusOf({ body: Atom.of('created') }, 'ok'), 201);
    assert.equal(statusOf({ body: Atom.of('unavailable') }, 'ok'), 503);
    assert.equal(statusOf({ body: Atom.of('failure') }, 'ok'), 500);
  });

  it('prefers the atom body over the status key and the outcome', () => {
    assert.equal(statusOf({ body: Atom.of('not_found'), status: 200 }, 'ok'), 404);
  });

  it('ignores atom bodies that name no outcome', () => {
    assert.equal(statusOf({ body: Atom.of('unset') }, 'ok'), 200);
    assert.equal(statusOf({ body: Atom.of('unset'), status: 202 }, 'error'), 202);
  });

  it('reads an integer status key', () => {
    assert.equal(statusOf({ status: 201 }, 'ok'), 201);
    assert.equal(statusOf({ status: 418 }, 'ok'), 418);
  });

  it('reads a three-digit numeric string status', () => {
    assert.equal(statusOf({ status: '404' }, 'ok'), 404);
    assert.equal(statusOf({ status: '302' }, 'error'), 302);
  });

  it('reads a status named by an outcome, as text or atom', () => {
    assert.equal(statusOf({ status: 'not_found' }, 'ok'), 404);
    assert.equal(statusOf({ status: 'created' }, 'ok'), 201);
    assert.equal(statusOf({ status: Atom.of('unavailable') }, 'ok'), 503);
  });

  it('falls back to the resolver outcome when the status key says nothing', () => {
    assert.equal(statusOf({}, 'ok'), 200);
    assert.equal(statusOf({}, 'created'), 201);
    assert.equal(statusOf({}, 'error'), 400);
    assert.equal(statusOf({}, 'not_found'), 404);
    assert.equal(statusOf({}, 'failure'), 500);
    assert.equal(statusOf({}, 'unavailable'), 503);
    assert.equal(statusOf({ status: 'weird' }, 'error'), 400);
    assert.equal(statusOf({ status: '20' }, 'ok'), 200);
    assert.equal(statusOf({ status: '2000' }, 'error'), 400);
    assert.equal(statusOf({ status: 1.5 }, 'error'), 400);
    assert.equal(statusOf({ status: new Float(404) }, 'error'), 400);
    assert.equal(statusOf({ status: true }, 'ok'), 200);
  });

  it('answers 500 for an unknown outcome', () => {
    assert.equal(statusOf({}, 'skip'), 500);
    assert.equal(statusOf({}, 'pass'), 500);
  });

  it('does not read outcome names from Object.prototype', () => {
    assert.equal(statusOf({ status: 'toString' }, 'ok'), 200);
    assert.equal(statusOf({ status: '__proto__' }, 'error'), 400);
    assert.equal(statusOf({}, 'constructor'), 500);
  });

  it('answers 500 for codes outside 100..599', () => {
    assert.equal(statusOf({ status: 700 }, 'ok'), 500);
    assert.equal(statusOf({ status: 99 }, 'ok'), 500);
    assert.equal(statusOf({ status: 0 }, 'ok'), 500);
    assert.equal(statusOf({ status: -200 }, 'ok'), 500);
    assert.equal(statusOf({ status: '999' }, 'ok'), 500);
    assert.equal(statusOf({ status: '099' }, 'ok'), 500);
  });

  it('accepts the edges of the range', () => {
    assert.equal(statusOf({ status: 100 }, 'ok'), 100);
    assert.equal(statusOf({ status: 599 }, 'ok'), 599);
  });
});

describe('httpStatus', () => {
  it('is 200 without a status key', () => {
    assert.equal(httpStatus({}), 200);
    assert.equal(httpStatus({ body: 'x' }), 200);
  });

  it('reads integer, numeric string and outcome-name statuses', () => {
    assert.equal(httpStatus({ status: 404 }), 404);
    assert.equal(httpStatus({ status: '503' }), 503);
    assert.equal(httpStatus({ status: 'created' }), 201);
    assert.equal(httpStatus({ status: Atom.of('error') }), 400);
  });

  it('is 200 for a status it cannot read', () => {
    assert.equal(httpStatus({ status: 'bogus' }), 200);
    assert.equal(httpStatus({ status: { code: 404 } }), 200);
  });

  it('is 500 for codes outside 100..599', () => {
    assert.equal(httpStatus({ status: 1000 }), 500);
    assert.equal(httpStatus({ status: 42 }), 500);
    assert.equal(httpStatus({ status: '600' }), 500);
  });

  it('does not look at the body', () => {
    assert.equal(httpStatus({ body: Atom.of('not_found') }), 200);
  });
});

describe('embedStatus', () => {
  it('writes the status into a message result', () => {
    assert.deepEqual(embedStatus({ status: 'ok', body: { a: '1' } }, codecs), {
      a: '1',
      status: 200,
    });
    assert.deepEqual(embedStatus({ status: 'error', body: { a: '1' } }, codecs), {
      a: '1',
      status: 400,
    });
  });

  it('normalises an existing status key to its number', () => {
    assert.deepEqual(embedStatus({ status: 'ok', body: { status: 'created' } }, codecs), {
      status: 201,
    });
    assert.deepEqual(embedStatus({ status: 'ok', body: { status: '404', body: 'x' } }, codecs), {
      status: 404,
      body: 'x',
    });
    assert.deepEqual(embedStatus({ status: 'ok', body: { status: 9000 } }, codecs), {
      status: 500,
    });
  });

  it('does not change the input message', () => {
    const body: Message = { a: '1', status: 'created' };
    embedStatus({ status: 'ok', body }, codecs);
    assert.deepEqual(body, { a: '1', status: 'created' });
  });

  it('turns a list result into a numbered message', () => {
    assert.deepEqual(embedStatus({ status: 'ok', body: ['a', 'b'] }, codecs), {
      '1': 'a',
      '2': 'b',
      status: 200,
    });
    assert.deepEqual(embedStatus({ status: 'error', body: [] }, codecs), { status: 400 });
  });

  it('wraps a non-message body as {status, body}', () => {
    assert.deepEqual(embedStatus({ status: 'ok', body: 'text' }, codecs), {
      status: 200,
      body: 'text',
    });
    assert.deepEqual(embedStatus({ status: 'error', body: 7 }, codecs), {
      status: 400,
      body: 7,
    });
    assert.deepEqual(embedStatus({ status: 'ok', body: true }, codecs), {
      status: 200,
      body: true,
    });
  });

  it('maps a wrapped outcome atom to its status, keeping the atom', () => {
    const notFound = Atom.of('not_found');
    assert.deepEqual(embedStatus({ status: 'error', body: notFound }, codecs), {
      status: 404,
      body: notFound,
    });
  });

  it('sends literal booleans of an ao-result body as text', () => {
    assert.deepEqual(
      embedStatus({ status: 'ok', body: { 'ao-result': 'body', body: true } }, codecs),
      {
        'ao-result': 'body',
        body: 'true',
        status: 200,
      },
    );
    assert.deepEqual(
      embedStatus({ status: 'ok', body: { 'ao-result': 'body', body: false } }, codecs),
      { 'ao-result': 'body', body: 'false', status: 200 },
    );
  });

  it('sends non-outcome atoms of an ao-result body as their names', () => {
    assert.deepEqual(
      embedStatus({ status: 'ok', body: { 'ao-result': 'body', body: Atom.of('unset') } }, codecs),
      { 'ao-result': 'body', body: 'unset', status: 200 },
    );
  });

  it('keeps outcome atoms of an ao-result body and uses their status', () => {
    const notFound = Atom.of('not_found');
    assert.deepEqual(
      embedStatus({ status: 'ok', body: { 'ao-result': 'body', body: notFound } }, codecs),
      { 'ao-result': 'body', body: notFound, status: 404 },
    );
  });

  it('leaves literal bodies alone outside an ao-result body message', () => {
    assert.deepEqual(embedStatus({ status: 'ok', body: { body: true } }, codecs), {
      body: true,
      status: 200,
    });
    assert.deepEqual(
      embedStatus({ status: 'ok', body: { 'ao-result': 'other', body: Atom.of('unset') } }, codecs),
      { 'ao-result': 'other', body: Atom.of('unset'), status: 200 },
    );
  });

  it('never changes a status key that a signature covers', () => {
    const wallet = loadWallet(sharedPath('fixtures', 'key-1.json'));
    const signed = signHttpsig({ status: 'created', a: '1' }, wallet);
    assert.equal(embedStatus({ status: 'error', body: signed }, codecs), signed);
  });
});
