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
 * `stop()` stops accepting, lets requests in flight finish, then closes the
 * store, so nothing written is lost.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type Binary, fromByteString } from '../core/binary.ts';
import { HbError, isHbError } from '../core/errors.ts';
import type { Message } from '../core/message.ts';
import type { Opts } from '../engine/context.ts';
import { assembleNode, type NodeOptions } from '../node/assemble.ts';
import { runHook } from '../node/hooks.ts';
import { LiveNode } from '../node/live-node.ts';
import { log } from '../node/log.ts';
import type { NodeMetrics } from '../node/metrics.ts';
import { handle, maybeSign } from '../node/pipeline.ts';
import { DeclaredSizeGuard } from './declared-size.ts';
import { checkBody, checkRequest, requestLimits } from './limits.ts';
import { acceptCodec, CORS_HEADERS, encodeReply, type HttpReply, textReply } from './reply.ts';
import { decodeRequest, type HttpRequest } from './request.ts';

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

function number(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

/** Request headers as message fields: lower-case names, byte-exact values. */
function headerFields(req: IncomingMessage): Record<string, Binary> {
  const fields: Record<string, Binary> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    fields[name] = fromByteString(Array.isArray(value) ? value.join(', ') : value);
  }
  return fields;
}

/** Each connection's chunk-size guard (declared-size.ts). */
const guards = new WeakMap<Socket, DeclaredSizeGuard>();

function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  const tooLarge = () =>
    new BodyTooLarge('body_too_large', `The request body is larger than ${limit} bytes.`, {
      status: 413,
    });
  if (Number(req.headers['content-length'] ?? 0) > limit) return Promise.reject(tooLarge());
  const guard = guards.get(req.socket);
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

/** An error as a reply: client errors with their status and message; others as 500. */
async function errorReply(
  error: unknown,
  codec: string,
  opts: Opts,
  headers: Record<string, unknown>,
): Promise<HttpReply> {
  const known = isHbError(error) && error.status < 500 ? error : undefined;
  if (!known) {
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    log(opts, 'http_error', detail);
    const shown = opts.mode === 'prod' ? 'internal error' : (error as Error)?.message;
    return textReply(500, `Oops! Something went wrong. Here's the rundown:\n${shown}\n`);
  }
  const msg: Message = { status: known.status, body: known.message };
  const id = known.details?.id;
  if (typeof id === 'string') msg.unavailable = id;
  try {
    return encodeReply(
      await maybeSign(msg, { ...opts, commitment_device: codec }),
      codec,
      opts,
      headers,
    );
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
async function answer(req: IncomingMessage, body: Uint8Array, live: LiveNode): Promise<HttpReply> {
  const opts = live.opts;
  const headers = headerFields(req);
  let codec = typeof opts.default_codec === 'string' ? opts.default_codec : 'httpsig@1.0';
  try {
    const request: HttpRequest = {
      method: req.method ?? 'GET',
      url: originForm(req.url ?? '/'),
      headers,
      body,
    };
    // Nothing is decoded, nor resolved, for a request beyond the node's limits.
    const limits = requestLimits(opts);
    checkBody(headers, body, limits);
    const { message, singleton } = await decodeRequest(request, opts);
    checkRequest(singleton, limits);
    // A data item's request still asks for its reply's form in the HTTP headers.
    const asked: Message = {};
    for (const key of ['accept', 'require-codec']) {
      const value = headers[key];
      if (value !== undefined) asked[key] = value;
    }
    codec = acceptCodec({ ...asked, ...singleton }, opts);
    const result = await handle(singleton, { ...opts, commitment_device: codec }, message);
    return encodeReply(result, codec, opts, headers);
  } catch (error) {
    return errorReply(error, codec, opts, headers);
  }
}

export async function startNode(options: NodeOptions = {}): Promise<RunningNode> {
  const { opts: assembled, createdWallet } = assembleNode(options);
  const live = new LiveNode(assembled);
  const started = await runHook('start', { body: live.opts as Message }, live.opts);
  if (started.status !== 'ok') {
    throw new HbError('failed_to_start_server', `the start hook refused: ${String(started.body)}`);
  }
  const startBody = (started.body as Message).body;
  if (startBody !== live.opts) live.replace(startBody as Opts);

  for (const device of live.opts.devices?.all() ?? []) await device.start?.(live.opts);

  const opts = live.opts;
  const maxBody = number(opts.http_max_body_size, 64 * 1024 * 1024);
  const metrics = opts.metrics as NodeMetrics | undefined;
  let stopping = false;
  let inFlight = 0;
  let drained: (() => void) | undefined;

  function send(req: IncomingMessage, res: ServerResponse, reply: HttpReply, startedAt: number) {
    if (res.headersSent || res.destroyed) return;
    const headers: Record<string, string> = { ...reply.headers };
    if (stopping) headers.connection = 'close';
    headers['content-length'] = String(reply.body.length);
    res.writeHead(reply.status, headers);
    res.end(reply.body);
    const seconds = (performance.now() - startedAt) / 1000;
    metrics?.request(reply.status, seconds);
    log(
      live.opts,
      'http_short',
      `${req.method} ${req.url} -> ${reply.status} (${(seconds * 1000).toFixed(1)} ms)`,
    );
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const startedAt = performance.now();
    inFlight++;
    try {
      const current = live.opts;
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
        const location = String(current.default_req ?? '/~hyperbuddy@1.0/index');
        send(req, res, { status: 302, headers: { location }, body: new Uint8Array() }, startedAt);
        return;
      }
      let body: Uint8Array;
      try {
        body = await readBody(req, maxBody);
      } catch (error) {
        if (!(error instanceof BodyTooLarge)) throw error;
        res.setHeader('connection', 'close');
        send(req, res, textReply(413, error.message), startedAt);
        return;
      }
      const timeout = number(current.http_resolve_timeout, 300_000);
      const reply = await withTimeout(answer(req, body, live), timeout, () =>
        textReply(504, `The request was not answered within ${timeout} ms.`),
      );
      send(req, res, reply, startedAt);
    } catch (error) {
      log(live.opts, 'http_error', error instanceof Error ? (error.stack ?? '') : String(error));
      send(req, res, textReply(500, 'Oops! Something went wrong.'), startedAt);
    } finally {
      inFlight--;
      if (inFlight === 0) drained?.();
    }
  }

  const maxHeader = number(opts.http_max_header_size, 64 * 1024);
  const server = createServer(
    {
      // Node refuses a head once its count reaches the limit: `+ 1` lets one of
      // exactly `http_max_header_size` bytes through.
      maxHeaderSize: maxHeader + 1,
      requestTimeout: number(opts.http_request_timeout, 60_000),
      headersTimeout: Math.min(number(opts.http_request_timeout, 60_000), 60_000),
      keepAliveTimeout: number(opts.idle_timeout, 300_000),
    },
    (req, res) => void onRequest(req, res),
  );
  // The header limit is `http_max_header_size` bytes, not a number of headers.
  server.maxHeadersCount = 0;
  // A client that shuts its side once it has sent a request still gets the answer.
  (server as Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
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

  const host = typeof opts.bind === 'string' ? opts.bind : '0.0.0.0';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(number(opts.port, 8734), host, () => {
      server.off('error', reject);
      resolve();
    });
  });
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
      for (const device of live.opts.devices?.all() ?? []) await device.stop?.(live.opts);
      await live.opts.store?.close?.();
    })();
    return stopped;
  }

  return {
    url: `http://${shownHost}:${port}`,
    port,
    address: opts.priv_wallet?.address ?? '',
    node: live,
    server,
    createdWallet,
    stop,
  };
}
