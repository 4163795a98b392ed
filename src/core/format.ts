/**
 * Human-readable rendering of messages (the CLI, hyperbuddy's `format`).
 */
import { tryUtf8Decode } from './binary.ts';
import {
  As,
  Atom,
  Float,
  isDevice,
  isMessage,
  Link,
  Opaque,
  Resolve,
  type Value,
} from './message.ts';

function scalar(value: Value): string {
  if (typeof value === 'string')
    return /[\n"]|^\s|\s$/.test(value) || value === '' ? JSON.stringify(value) : value;
  if (value instanceof Uint8Array) {
    const text = tryUtf8Decode(value);
    return text === undefined
      ? `<${value.length} bytes: ${Buffer.from(value.subarray(0, 24)).toString('hex')}${value.length > 24 ? '...' : ''}>`
      : text;
  }
  if (typeof value === 'number')
    return Number.isInteger(value) ? String(value) : `${value} (float)`;
  if (value instanceof Float) return `${value.value.toFixed(1)} (float)`;
  if (typeof value === 'boolean') return String(value);
  if (value instanceof Atom) return `${value.name} (atom)`;
  if (value instanceof Link) return `-> ${value.id}`;
  if (value instanceof Resolve) return '(unresolved sub-path)';
  if (value instanceof As) return '(as)';
  if (value instanceof Opaque) return '(runtime data)';
  if (isDevice(value)) return `(device ${value.name ?? 'inline'})`;
  return String(value);
}

/** Render a value as indented `key: value` lines. */
export function formatValue(value: Value, indent = ''): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return `${indent}[]`;
    return value
      .map((v, i) =>
        isMessage(v) || Array.isArray(v)
          ? `${indent}${i + 1}:\n${formatValue(v, `${indent}  `)}`
          : `${indent}${i + 1}: ${scalar(v)}`,
      )
      .join('\n');
  }
  if (!isMessage(value)) return `${indent}${scalar(value)}`;
  const keys = Object.keys(value)
    .filter((k) => k !== 'priv')
    .sort();
  if (keys.length === 0) return `${indent}{}`;
  return keys
    .map((k) => {
      const v = value[k] as Value;
      return isMessage(v) || (Array.isArray(v) && v.length > 0)
        ? `${indent}${k}:\n${formatValue(v, `${indent}  `)}`
        : `${indent}${k}: ${scalar(v)}`;
    })
    .join('\n');
}
