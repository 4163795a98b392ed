/**
 * Asking other nodes (HyperBEAM's hb_http:request and hb_http_client): a
 * message is sent in its `codec-device` (httpsig@1.0 unless it names
 * another; ans104@1.0 as a data item), signed by the node's wallet when
 * asked, over undici with a keep-alive pool per origin. Redirects are never
 * followed (a 307 is an answer); every request has a timeout; a reply is
 * read up to a size limit, decoded by its own `codec-device`, and its
 * signatures are verified before anyone may trust it. Used by relay@1.0,
 * the router, remote schedulers, push, and the remote-node store.
 */
import { Agent, errors, request } from 'undici';
import { parseItem } from '../codecs/ans104/data-item.ts';
import { ans104Codec } from '../codecs/ans104/index.ts';
import { verifyMessage } from '../codecs/commitments.ts';
import { httpToTabm } from '../codecs/httpsig/index.ts';
import type { CodecRegistry } from '../codecs/registry.ts';
import { tabmToMessage } from '../codecs/structured.ts';
import { type Binary, canonicalBinary, fromByteString, toByteString } from '../core/binary.ts';
import { HbError } from '../core/errors.ts';
import type { Message } from '../core/message.ts';
import type { Wallet } from '../crypto/wallet.ts';
import type { Lifecycle } from '../engine/context.ts';

declare module '../engine/context.ts' {
  interface Services {
    /** The node's outbound HTTP client. */
    readonly http: HttpClient;
  }
}

export interface ClientRequest {
  method?: string;
  /** The path, with any query. */
  path: string;
  /** Keys sent as the request message (headers and body, or a data item). */
  message?: Message;
  /** The codec to send `message` in (else its `codec-device`, else httpsig@1.0). */
  codec?: string;
  /** Signs the request in its codec. */
  wallet?: Wallet;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export interface ClientResponse {
  status: number;
  /** The reply as a message (its `ao-result`, if any, names the literal answer). */
  message: Message;
  /** Whether every signature the reply carries holds (true when it carries none). */
  verified: boolean;
}

export interface HttpClientOptions {
  /** Time to connect to a peer (ms). */
  connectTimeoutMs?: number;
  /** Time for a whole exchange, unless a request says otherwise (ms). */
  timeoutMs?: number;
  /** Idle keep-alive connections close after this (ms). */
  keepAliveMs?: number;
  /** Reply bodies larger than this are refused (bytes). */
  maxReplyBytes?: number;
}

// Headers about the exchange, not the message.
const TRANSPORT =
  /^(access-control-|connection$|content-length$|date$|keep-alive$|transfer-encoding$)/;

/** A peer that could not be reached, or did not answer in time (502/504). */
export class UnreachableError extends HbError {
  override name = 'UnreachableError';
}

/** Decode a reply by its `codec-device` (httpsig@1.0 when absent). */
function replyToMessage(
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

/** The absolute URL of `path` on `peer` (a path that is a URL already stays one). */
export function urlOn(peer: string, path: string): URL {
  return new URL(path, peer.endsWith('/') ? peer : `${peer}/`);
}

const MAX_REPLY_HEADERS = 4 * 1024 * 1024;

export class HttpClient implements Lifecycle {
  readonly #agent: Agent;
  readonly #timeoutMs: number;
  readonly #maxReplyBytes: number;

  constructor(options: HttpClientOptions = {}) {
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#maxReplyBytes = options.maxReplyBytes ?? 64 * 1024 * 1024;
    this.#agent = new Agent({
      connect: { timeout: options.connectTimeoutMs ?? 10_000 },
      keepAliveTimeout: options.keepAliveMs ?? 60_000,
      // Replies carrying nested messages list every part in `body-keys`: past Node's 16 KiB.
      maxHeaderSize: MAX_REPLY_HEADERS,
      connections: 64,
    });
  }

  /** Send `req` to `peer` (a node's URL; or `req.path` is absolute); read the reply with `codecs`. */
  async send(peer: string, req: ClientRequest, codecs: CodecRegistry): Promise<ClientResponse> {
    const url = urlOn(peer, req.path);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new HbError('bad_peer', `cannot send to ${url.protocol} URLs`, { status: 400 });
    }
    const { headers, body } = await this.encode(req, codecs);
    const timeoutMs = req.timeoutMs ?? this.#timeoutMs;
    const signal = AbortSignal.timeout(timeoutMs);
    const method = req.method ?? (body === undefined ? 'GET' : 'POST');
    let status: number;
    let replyHeaders: Record<string, string>;
    let bytes: Uint8Array;
    try {
      const res = await request(url, {
        method: method as 'GET',
        headers,
        body,
        signal,
        dispatcher: this.#agent,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      status = res.statusCode;
      replyHeaders = {};
      for (const [name, value] of Object.entries(res.headers)) {
        if (value !== undefined)
          replyHeaders[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      bytes = await this.readBody(res.body, url);
    } catch (error) {
      if (error instanceof HbError) throw error;
      const timedOut =
        signal.aborted ||
        error instanceof errors.HeadersTimeoutError ||
        error instanceof errors.BodyTimeoutError ||
        error instanceof errors.ConnectTimeoutError;
      throw new UnreachableError(
        timedOut ? 'peer_timeout' : 'peer_unreachable',
        timedOut
          ? `${url.origin} did not answer within ${timeoutMs} ms`
          : `${url.origin} did not answer: ${(error as Error).message}`,
        { status: timedOut ? 504 : 502, cause: error },
      );
    }
    let message: Message;
    try {
      message = replyToMessage(replyHeaders, bytes, codecs);
    } catch (error) {
      throw new UnreachableError('bad_reply', `${url.origin} answered what is not a message`, {
        status: 502,
        cause: error,
      });
    }
    const verified = await verifyMessage(message, { commitments: 'all' }, codecs).catch(
      () => false,
    );
    return { status, message, verified };
  }

  private async encode(
    req: ClientRequest,
    codecs: CodecRegistry,
  ): Promise<{ headers: Record<string, string>; body: Uint8Array | undefined }> {
    const msg: Message = { ...req.message };
    const codec =
      req.codec ?? (typeof msg['codec-device'] === 'string' ? msg['codec-device'] : 'httpsig@1.0');
    const signed = req.wallet
      ? await codecs.committer(codec).commit(msg, {}, { wallet: req.wallet })
      : msg;
    const form = codecs.toHttp(codec, signed);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(form.headers)) headers[name] = toByteString(value);
    Object.assign(headers, req.headers);
    const body = form.body.length > 0 ? form.body : undefined;
    return { headers, body };
  }

  private async readBody(body: AsyncIterable<Uint8Array>, url: URL): Promise<Uint8Array> {
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of body) {
      size += chunk.length;
      if (size > this.#maxReplyBytes) {
        throw new UnreachableError(
          'reply_too_large',
          `${url.origin} answered more than ${this.#maxReplyBytes} bytes`,
          { status: 502 },
        );
      }
      chunks.push(chunk);
    }
    return chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks);
  }

  stop(): Promise<void> {
    return this.#agent.close();
  }
}
