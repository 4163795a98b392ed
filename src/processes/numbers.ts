/** Numbers as messages carry them: a number, or its decimal text. */
import type { Value } from '../core/message.ts';

/** A non-negative integer (a slot, a nonce, milliseconds), else undefined. */
export function naturalOf(value: Value | undefined): number | undefined {
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\d+$/.test(value.trim())
        ? Number(value.trim())
        : Number.NaN;
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** A slot number (a non-negative integer), else undefined. */
export const slotOf: (value: Value | undefined) => number | undefined = naturalOf;
