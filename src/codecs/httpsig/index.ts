/** `httpsig@1.0`: messages as HTTP messages (RFC 9421 signatures over headers and body). */
import type { Codec } from '../codec.ts';
import { httpToTabm } from './decode.ts';
import { tabmToHttp } from './encode.ts';
import { deserializeHttp, serializeHttp } from './message-http.ts';
import type { HttpFields } from './signature-base.ts';

export { httpToTabm } from './decode.ts';
export { MAX_HEADER_LENGTH, tabmToHttp } from './encode.ts';
export { HMAC_ALG, HTTPSIG, hmac, hmacBase, resetHmac, unsignedId } from './hmac.ts';
export type { HttpFields } from './signature-base.ts';

/** The wire codec: values no header can carry go to body parts (see EncodeOptions). */
export const httpsigCodec: Codec<HttpFields> = {
  name: 'httpsig@1.0',
  contentType: 'message/http',
  toTabm: httpToTabm,
  fromTabm: (tabm) => tabmToHttp(tabm, { transport: true }),
  serialize: serializeHttp,
  deserialize: deserializeHttp,
};
