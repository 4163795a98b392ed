/**
 * HTTP messages as bytes (`message/http`-like): header lines, a blank line,
 * the body. Used to store and pipe httpsig messages outside an HTTP exchange.
 */
import {
  type Binary,
  canonicalBinary,
  concatBinary,
  toBytes,
  tryUtf8Decode,
} from '../../core/binary.ts';
import { CodecError } from '../../core/errors.ts';
import { type Message, put } from '../../core/message.ts';
import type { HttpFields } from './signature-base.ts';

export function serializeHttp(fields: HttpFields): Binary {
  const parts: Binary[] = [];
  for (const [name, value] of Object.entries(fields)) {
    if (name !== 'body') parts.push(name, ': ', value, '\r\n');
  }
  parts.push('\r\n', fields.body ?? '');
  return concatBinary(parts);
}

export function deserializeHttp(input: Binary): HttpFields {
  const bytes = Buffer.from(toBytes(input));
  const end = bytes.indexOf('\r\n\r\n');
  const head = end < 0 ? bytes : bytes.subarray(0, end);
  const fields: HttpFields = {};
  for (const line of head.toString('latin1').split('\r\n')) {
    if (line === '') continue;
    const at = line.indexOf(': ');
    if (at <= 0)
      throw new CodecError('bad_http', `not a header line: ${JSON.stringify(line.slice(0, 60))}`);
    const name = tryUtf8Decode(Buffer.from(line.slice(0, at), 'latin1'));
    if (name === undefined) throw new CodecError('bad_key', 'a header name is not valid UTF-8');
    put(
      fields as Message,
      name.toLowerCase(),
      canonicalBinary(Buffer.from(line.slice(at + 2), 'latin1')),
    );
  }
  if (end >= 0 && end + 4 < bytes.length) fields.body = canonicalBinary(bytes.subarray(end + 4));
  return fields;
}
