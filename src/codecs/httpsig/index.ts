/** `httpsig@1.0`: messages as HTTP messages (RFC 9421 signatures over headers and body). */
import { toBytes } from '../../core/binary.ts';
import type { Codec, HttpForm } from '../codec.ts';
import { messageToTabm } from '../structured.ts';
import { commitHttpsig, committedKeys, verifyHttpsig } from './commit.ts';
import { httpToTabm } from './decode.ts';
import { tabmToHttp } from './encode.ts';
import { deserializeHttp, serializeHttp } from './message-http.ts';
import { countParts } from './multipart.ts';
import { readReceived } from './received.ts';
import type { HttpFields } from './signature-base.ts';

export { httpToTabm } from './decode.ts';
export { MAX_HEADER_LENGTH, tabmToHttp } from './encode.ts';
export { HMAC_ALG, HTTPSIG, hmac, hmacBase, resetHmac, unsignedId } from './hmac.ts';
export type { HttpFields } from './signature-base.ts';

/** Keys become headers, the rest the body (multipart when needed); values no header can carry go to parts. */
function toHttp(msg: Parameters<NonNullable<Codec['toHttp']>>[0]): HttpForm {
  const { body, ...headers } = tabmToHttp(messageToTabm(msg), { transport: true });
  return { headers, body: body === undefined ? new Uint8Array() : toBytes(body) };
}

export const httpsigCodec: Codec<HttpFields> = {
  name: 'httpsig@1.0',
  contentType: 'message/http',
  toTabm: httpToTabm,
  fromTabm: (tabm) => tabmToHttp(tabm, { transport: true }),
  serialize: serializeHttp,
  deserialize: deserializeHttp,
  toHttp,
  minKeys: (http, atMost) => countParts(http.headers['content-type'], http.body, atMost),
  fromHttp: readReceived,
  commit: (msg, _req, options) => commitHttpsig(msg, options),
  verify: verifyHttpsig,
  committedKeys,
};
