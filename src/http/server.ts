/**
 * The HTTP node. `startNode(options)` listens on `port` (0: any free port)
 * and answers every request as HyperBEAM does:
 *   OPTIONS *        204 with CORS headers
 *   GET /            302 to `default_req` (the web UI)
 *   anything else    request -> singleton (request.ts) -> the node's pipeline
 *                    (node/pipeline.ts) -> reply (reply.ts)
 * Limits: `http_max_header_size` (the request target plus every header's
 * name and value, however many headers) and `http_max_body_size` (a body,
 * or a chunk size declaring more, is refused at once), 413 beyond them; the
 * decoded request's keys, depth and path (limits.ts, 413);
 * `http_request_timeout` to receive a request (408), `http_resolve_timeout`
 * to answer it (504), `idle_timeout` for idle keep-alive connections.
 * CONNECT gets 405; bytes that are not HTTP get 400.
 * A repeated unsigned GET whose earlier reply was a function of the request
 * is answered from memory (reply-cache.ts, `http_reply_cache` bytes).
 * `stop()` stops accepting, lets requests in flight finish, then stops the
 * node's components (processes snapshotted, the store closed last), so
 * nothing written is lost. The server owns only the socket; the node
 * (node/live-node.ts) owns its components.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type Binary, fromByteString } from '../core/binary.ts';
import { HbError, isHbError } from '../core/errors.ts';
import type { Message } from '../core/message.ts';
import type { RequestTrace } from '../engine/context.ts';
import { log } from '../engine/log.ts';
import type { NodeOptions } from '../node/components.ts';
import { LiveNode } from '../node/live-node.ts';
import { handle, maybeSign } from '../node/pipeline.ts';
import { DeclaredSizeGuard } from './declared-size.ts';
import { checkBody, checkRequest, requestLimits } from './limits.ts';
import { acceptCodec, CORS_HEADERS, encodeReply, type HttpReply, textReply } from './reply.ts';
import { ReplyCache } from './reply-cache.ts';
import { decodeRequest, type HttpRequest, requestCodec } from './request.ts';

export interface RunningNode {
  /** `http://<host>:<port>` */
  readonly url: string;
  readonly port: number;
  /** The node's wallet address (its operator, unless configured otherwise). */
  readonly address: string;
  readonly node: LiveNode;
  readonly server: Server;
  /** Whether the node created its wallet file at start. */
  readonly createdWallet: boolean;
  /** Stop accepting requests, finish those in flight, close the store. */
  stop(): Promise<void>;
}

class BodyTooLarge extends HbError {}

/** Request headers as message fields: lower-case names, byte-exact values. */
function headerFields(req: IncomingMessage): Record<string, Binary> {
  const fields: Record<string, Binary> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    fields[name] = fromByteString(Array.isArray(value) ? value.join(', ') : value);
  }
  return fields;
}

/** Read a body of at most `limit` bytes; `guard` is the connection's chunk-size guard. */
function readBody(
  req: IncomingMessage,
  limit: number,
  guard: DeclaredSizeGuard | undefined,
): Promise<Uint8Array> {
  const tooLarge = () =>
    new BodyTooLarge('body_too_large', `The request body is larger than ${limit} bytes.`, {
      status: 413,
    });
  if (Number(req.headers['content-length'] ?? 0) > limit) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      guard?.onTooLarge(undefined);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        done();
        reject(tooLarge());
      } else chunks.push(chunk);
    };
    const onEnd = () => {
      done();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
    };
    const onError = (error: Error) => {
      done();
      reject(error);
    };
    // A connection closed before the body ended, without an error event.
    const onClose = () => onError(new Error('the request was aborted'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
    // A chunk declaring more than the limit is refused before it arrives.
    if (/chunked/i.test(String(req.headers['transfer-encoding'] ?? ''))) {
      guard?.onTooLarge(() => {
        done();
        reject(tooLarge());
      });
    }
  });
}

/** An absolute-form request target (`http://host/path`) as its path. */
function originForm(url: string): string {
  const match = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(url);
  if (!match) return url;
  const rest = url.slice(match[0].length);
  return rest.startsWith('/') ? rest : `/${rest}`;
}

/**
 * Statuses an error is answered with as it is: the client's errors, and
 * another node's failures (bad gateway, timeout, loop), which are not ours.
 */
const isToldStatus = (status: number) => status < 500 || [502, 504, 508].includes(status);

/** An error as a reply: client errors and peers' failures with their status and message; others as 500. */
async function errorReply(
  error: unknown,
  codec: string,
  live: LiveNode,
  headers: Record<string, unknown>,
): Promise<HttpReply> {
  const ctx = live.context();
  const known = isHbError(error) && isToldStatus(error.status) ? error : undefined;
  if (!known) {
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    log(ctx.config, 'http_error', detail);
    const shown = ctx.config.mode === 'prod' ? 'internal error' : (error as Error)?.message;
    return textReply(500, `Oops! Something went wrong. Here's the rundown:\n${shown}\n`);
  }
  const msg: Message = { status: known.status, body: known.message };
  const id = known.details?.id;
  if (typeof id === 'string') msg.unavailable = id;
  try {
    return encodeReply(await maybeSign(msg, ctx, codec), codec, ctx, headers);
  } catch {
    return textReply(known.status, known.message);
  }
}

function withTimeout<T>(work: Promise<T>, ms: number, onTimeout: () => T): Promise<T> {
  if (!(ms > 0) || !Number.isFinite(ms)) return work;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(onTimeout()), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Answer one AO-Core request (everything but OPTIONS and `/`). */
async function answer(
  req: IncomingMessage,
  body: Uint8Array,
  live: LiveNode,
  trace: RequestTrace,
): Promise<HttpReply> {
  const ctx = live.context();
  const headers = headerFields(req);
  let codec: string = ctx.config.default_codec;
  try {
    const request: HttpRequest = {
      method: req.method ?? 'GET',
      url: originForm(req.url ?? '/'),
      headers,
      body,
    };
    // Nothing is decoded, nor resolved, for a request beyond the node's limits.
    const limits = requestLimits(ctx.config);
    const { codecs } = ctx.services;
    const reader = requestCodec(headers);
    checkBody(codecs.has(reader) ? codecs.get(reader) : undefined, { headers, body }, limits);
    const { message, singleton, verified, stored, keeping } = await decodeRequest(request, ctx);
    checkRequest(singleton, limits);
    // A data item's request still asks for its reply's form in the HTTP headers.
    const asked: Message = {};
    for (const key of ['accept', 'require-codec']) {
      const value = headers[key];
      if (value !== undefined) asked[key] = value;
    }
    codec = acceptCodec({ ...asked, ...singleton }, ctx);
    const result = await handle(singleton, live, {
      request: { message, verified, trace, keeping },
      replyCodec: codec,
    });
    await stored;
    return encodeReply(result, codec, ctx, headers);
  } catch (error) {
    return errorReply(error, codec, live, headers);
  }
}

export async function startNode(options: NodeOptions = {}): Promise<RunningNode> {
  const live = await LiveNode.start(options);

  const config = live.config;
  const maxBody = config.http_max_body_size;
  const metrics = live.services.metrics;
  let stopping = false;
  let inFlight = 0;
  let drained: (() => void) | undefined;
  const replies = new ReplyCache(config.http_reply_cache);

  function send(req: IncomingMessage, res: ServerResponse, reply: HttpReply, startedAt: number) {
    if (res.headersSent || res.destroyed) return;
    const headers: Record<string, string> = { ...reply.headers };
    if (stopping) headers.connection = 'close';
    headers['content-length'] = String(reply.body.length);
    res.writeHead(reply.status, headers);
    res.end(reply.body);
    const seconds = (performance.now() - startedAt) / 1000;
    metrics.request(reply.status, seconds);
    log(
      live.config,
      'http_short',
      `${req.method} ${req.url} -> ${reply.status} (${(seconds * 1000).toFixed(1)} ms)`,
    );
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const startedAt = performance.now();
    inFlight++;
    try {
      const current = live.config;
      if (req.method === 'OPTIONS') {
        req.resume();
        send(
          req,
          res,
          {
            status: 204,
            headers: {
              ...CORS_HEADERS,
              'access-control-allow-headers': '*',
              'access-control-allow-methods': 'GET, POST, PUT, DELETE, OPTIONS, PATCH',
            },
            body: new Uint8Array(),
          },
          startedAt,
        );
        return;
      }
      if (req.url === '/') {
        req.resume();
        const location = current.default_req;
        send(req, res, { status: 302, headers: { location }, body: new Uint8Array() }, startedAt);
        return;
      }
      const replyKey = replies.key(req);
      const kept = replyKey === undefined ? undefined : replies.get(replyKey, current);
      if (kept) {
        req.resume();
        send(req, res, kept, startedAt);
        return;
      }
      let body: Uint8Array;
      try {
        body = await readBody(req, maxBody, guards.get(req.socket));
      } catch (error) {
        if (!(error instanceof BodyTooLarge)) throw error;
        res.setHeader('connection', 'close');
        send(req, res, textReply(413, error.message), startedAt);
        return;
      }
      const timeout = current.http_resolve_timeout;
      const trace: RequestTrace = { repeatable: replyKey !== undefined };
      const reply = await withTimeout(answer(req, body, live, trace), timeout, () =>
        textReply(504, `The request was not answered within ${timeout} ms.`),
      );
      if (replyKey !== undefined && trace.repeatable && live.config === current) {
        replies.put(replyKey, current, reply);
      }
      send(req, res, reply, startedAt);
    } catch (error) {
      log(live.config, 'http_error', error instanceof Error ? (error.stack ?? '') : String(error));
      send(req, res, textReply(500, 'Oops! Something went wrong.'), startedAt);
    } finally {
      inFlight--;
      if (inFlight === 0) drained?.();
    }
  }

  const maxHeader = config.http_max_header_size;
  const server = createServer(
    {
      // Node refuses a head once its count reaches the limit: `+ 1` lets one of
      // exactly `http_max_header_size` bytes through.
      maxHeaderSize: maxHeader + 1,
      requestTimeout: config.http_request_timeout,
      headersTimeout: Math.min(config.http_request_timeout, 60_000),
      keepAliveTimeout: config.idle_timeout,
    },
    (req, res) => void onRequest(req, res),
  );
  // The header limit is `http_max_header_size` bytes, not a number of headers.
  server.maxHeadersCount = 0;
  // A client that shuts its side once it has sent a request still gets the answer.
  (server as Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  // Each connection's chunk-size guard (declared-size.ts).
  const guards = new WeakMap<Socket, DeclaredSizeGuard>();
  server.on('connection', (socket: Socket) => {
    const guard = new DeclaredSizeGuard(maxBody);
    guards.set(socket, guard);
    socket.on('data', (bytes: Buffer) => guard.push(bytes));
  });
  const rawReply = (socket: Socket, status: string, text: string, extra = '') => {
    socket.end(
      `HTTP/1.1 ${status}\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(text)}\r\n${extra}connection: close\r\n\r\n${text}`,
    );
  };
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable) return socket.destroy();
    switch (error.code) {
      case 'HPE_HEADER_OVERFLOW':
        return rawReply(
          socket,
          '413 Payload Too Large',
          `The request headers are larger than ${maxHeader} bytes.`,
        );
      case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
        return rawReply(socket, '413 Payload Too Large', 'The chunk extensions are too large.');
      case 'ERR_HTTP_REQUEST_TIMEOUT':
        return rawReply(socket, '408 Request Timeout', 'The request was not received in time.');
      default:
        return rawReply(socket, '400 Bad Request', 'The request is not valid HTTP.');
    }
  });
  // CONNECT asks for a tunnel, which a node does not offer.
  server.on('connect', (_req: IncomingMessage, socket: Socket) => {
    rawReply(
      socket,
      '405 Method Not Allowed',
      'CONNECT is not supported.',
      'allow: GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH\r\n',
    );
  });

  const host = config.bind;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await live.stop();
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  live.replace({ port });

  let stopped: Promise<void> | undefined;
  async function stop(): Promise<void> {
    stopped ??= (async () => {
      stopping = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve));
      server.closeIdleConnections();
      const grace = setTimeout(() => server.closeAllConnections(), 5_000);
      await closed;
      clearTimeout(grace);
      await live.stop();
    })();
    return stopped;
  }

  return {
    url: `http://${shownHost}:${port}`,
    port,
    address: live.services.wallet.address,
    node: live,
    server,
    createdWallet: live.components.createdWallet,
    stop,
  };
}
