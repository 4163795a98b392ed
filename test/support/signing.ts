/**
 * Signed requests for integration tests: our own httpsig and ANS-104
 * signers, producing the headers and body a client would send.
 */
import { serializeItem } from '../../src/codecs/ans104/data-item.ts';
import { tabmToItem } from '../../src/codecs/ans104/index.ts';
import { signHttpsig } from '../../src/codecs/httpsig/commit.ts';
import { tabmToHttp } from '../../src/codecs/httpsig/index.ts';
import { createCodecRegistry } from '../../src/codecs/index.ts';
import { messageToTabm } from '../../src/codecs/structured.ts';
import { toByteString, toBytes } from '../../src/core/binary.ts';
import type { Message } from '../../src/core/message.ts';
import type { Wallet } from '../../src/crypto/wallet.ts';
import type { RawRequest } from './node.ts';

const codecs = createCodecRegistry();

/** An httpsig-signed request carrying `msg` (its `path` is signed too). */
export function signedRequest(method: string, msg: Message, wallet: Wallet): RawRequest {
  const signed = signHttpsig(msg, wallet);
  const { body, ...fields } = tabmToHttp(messageToTabm(signed), { transport: true });
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(fields)) headers[k] = toByteString(v);
  return {
    method,
    path: String(msg.path),
    headers,
    ...(body === undefined ? {} : { body: toBytes(body) }),
  };
}

/** An ANS-104 request: `msg` as a signed data item, POSTed to `path`. */
export async function ans104Request(
  path: string,
  msg: Message,
  wallet: Wallet,
): Promise<RawRequest> {
  const signed = await codecs.committer('ans104@1.0').commit(msg, {}, { wallet });
  const item = serializeItem(tabmToItem(messageToTabm(signed)));
  return {
    method: 'POST',
    path,
    headers: { 'content-type': 'application/ans104', 'codec-device': 'ans104@1.0' },
    body: item,
  };
}
