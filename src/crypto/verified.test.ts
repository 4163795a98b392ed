/** Unit tests for the memo of signatures known to hold. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rememberVerified, verifiedOnce } from './verified.ts';

const bytes = (...values: number[]) => Uint8Array.from(values);

describe('verifiedOnce', () => {
  it('verifies a signature once per signed bytes', () => {
    let calls = 0;
    const verify = () => {
      calls++;
      return true;
    };
    assert.equal(verifiedOnce(bytes(1, 2), bytes(9), verify), true);
    assert.equal(verifiedOnce(bytes(1, 2), bytes(9), verify), true);
    assert.equal(calls, 1);
    // The same signature over other bytes is verified again.
    assert.equal(
      verifiedOnce(bytes(1, 2), bytes(8), () => false),
      false,
    );
  });

  it('remembers nothing that failed', () => {
    let calls = 0;
    const refuse = () => {
      calls++;
      return false;
    };
    assert.equal(verifiedOnce(bytes(3), bytes(4), refuse), false);
    assert.equal(verifiedOnce(bytes(3), bytes(4), refuse), false);
    assert.equal(calls, 2);
  });

  it('takes a signature this node made as holding', () => {
    rememberVerified(bytes(5, 5), bytes(6));
    assert.equal(
      verifiedOnce(bytes(5, 5), bytes(6), () => false),
      true,
    );
  });
});
