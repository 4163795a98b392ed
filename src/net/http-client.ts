/**
 * Asking another node (HyperBEAM's hb_http:request): a message is sent as
 * an httpsig@1.0 request (signed when a wallet is given), and the reply is
 * read back as a message in whatever codec it came in. Used by the
 * remote-node store, and by devices that talk to other nodes.
 */
import { parseItem } from '../codecs/ans104/data-item.ts';
import { ans104Codec } from '../codecs/ans104/index.ts';
import { signHttpsigAsync } from '../codecs/httpsig/commit.ts';
import { httpToTabm, tabmToHttp } from '../codecs/httpsig/index.ts';
import type { CodecRegistry } from '../codecs/registry.ts';
import { messageToTabm, tabmToMessage } from '../codecs/structured.ts';
import {
  type Binary,
  canonicalBinary,
  fromByteString,
  toByteString,
  toBytes,
} from '../core/binary.ts';
import { HbError } from '../core/errors.ts';
import type { Message } from '../core/message.ts';
import type { Wallet } from '../crypto/wallet.ts';

export interface ClientRequest {
  method?: string;
  /** The path, with any query. */
  path: string;
  /** Keys sent as the request message (headers and body). */
  message?: Message;
  /** Signs the request (httpsig@1.0). */
  wallet?: Wallet;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export interface ClientResponse {
  status: number;
  /** The reply as a message (its `ao-result`, if any, names the literal answer). */
  message: Message;
}

// Headers about the exchange, not the message.
const TRANSPORT =
  /^(access-control-|connection$|content-length$|date$|keep-alive$|transfer-encoding$)/;

export class UnreachableError extends HbError {
  override name = 'UnreachableError';
}

async function requestFields(req: ClientRequest): Promise<Record<string, Binary>> {
  let msg: Message = { ...req.message };
  if (req.wallet) msg = await signHttpsigAsync(msg, req.wallet);
  return tabmToHttp(messageToTabm(msg), { transport: true });
}

/** Decode a reply by its `codec-device` (httpsig@1.0 when absent). */
export function replyToMessage(
  headers: Record<string, string>,
  body: Uint8Array,
  codecs: CodecRegistry,
): Message {
  const codec = headers['codec-device'] ?? 'httpsig@1.0';
  if (codec === 'ans104@1.0') return tabmToMessage(ans104Codec.toTabm(parseItem(body)));
  if (codec !== 'httpsig@1.0') {
    const c = codecs.get(codec);
    const wire = c.deserialize ? c.deserialize(canonicalBinary(body)) : body;
    return tabmToMessage(c.toTabm(wire));
  }
  const fields: Record<string, Binary> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!TRANSPORT.test(name)) fields[name] = fromByteString(value);
  }
  if (body.length > 0) fields.body = canonicalBinary(body);
  return tabmToMessage(httpToTabm(fields));
}

/** Send `req` to `node`; the reply is read with `codecs`. */
export async function httpRequest(
  node: string,
  req: ClientRequest,
  codecs: CodecRegistry,
): Promise<ClientResponse> {
  const { body, ...fields } = await requestFields(req);
  const headers: Record<string, string> = { ...req.headers };
  for (const [name, value] of Object.entries(fields)) headers[name] = toByteString(value);
  const url = new URL(req.path, node.endsWith('/') ? node : `${node}/`);
  let res: Response;
  try {
    res = await fetch(url, {
      method: req.method ?? (body === undefined ? 'GET' : 'POST'),
      headers,
      ...(body === undefined ? {} : { body: toBytes(body) }),
      signal: AbortSignal.timeout(req.timeoutMs ?? 60_000),
    });
  } catch (error) {
    throw new UnreachableError(
      'unreachable',
      `${url.origin} did not answer: ${(error as Error).message}`,
      {
        status: 503,
        cause: error,
      },
    );
  }
  const replyHeaders: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    replyHeaders[name] = value;
  });
  const bytes = new Uint8Array(await res.arrayBuffer());
  return { status: res.status, message: replyToMessage(replyHeaders, bytes, codecs) };
}
