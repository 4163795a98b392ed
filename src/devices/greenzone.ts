/**
 * `greenzone@1.0` (HyperBEAM's dev_green_zone): nodes that attest to the same
 * software and configuration share an AES key, and may take one identity.
 *   init          (operator) start a zone here: a new AES key, the required
 *                 options (`green_zone_required_config`, else a default set)
 *   join          on a node configured with `green_zone_peer_location`/`_id`
 *                 (operator): adopt the zone's required options (unless
 *                 `green_zone_adopt_config: false`), attest with snp@1.0 and
 *                 send the report with this node's public key to the peer; the
 *                 zone key comes back encrypted to that key.
 *                 On a zone node: check a joiner's message (signed by the
 *                 address it names, whose key it carries), its node message
 *                 (every required option, with the zone's value), and its
 *                 report (snp@1.0 verify); then trust it and answer the key.
 *   key           this node's identity under the zone key (signed)
 *   become        (operator) take the peer's identity: replies are then
 *                 signed with its key
 *   trusted_nodes the nodes that joined here; `is_trusted`: whether the
 *                 request is signed by one of them
 * Differences (README): init, join and become need the operator's signature
 * (HyperBEAM checks no caller); a second init is refused; a joiner must
 * carry every required option (HyperBEAM skips those it omits) and the
 * public key of its address; the join reply carries no private key; replies
 * of a peer are read only in the keys its signature covers.
 */
import { randomBytes } from 'node:crypto';
import { committersOf, verifyMessage, withOnlyCommitted } from '../codecs/commitments.ts';
import { base64, base64url, fromBase64, sha256 } from '../core/binary.ts';
import { HbError } from '../core/errors.ts';
import { Atom, isMessage, type Message, omit, type Value, valueEquals } from '../core/message.ts';
import type { Context } from '../engine/context.ts';
import { defineDevice, fail, ok, type Result } from '../engine/device.ts';
import { UnreachableError } from '../net/http-client.ts';
import {
  modulusOfTerm,
  openIdentity,
  publicKeyTerm,
  sealIdentity,
  unwrapZoneKey,
  wrapZoneKey,
  ZONE_KEY_BYTES,
} from '../trust/zone-keys.ts';
import { isAdmin } from './meta.ts';
import { attest, refusalOf, reportMessage } from './snp.ts';

const NOT_IN_ZONE = 'Node not part of a green zone.';
const BAD_PEER_REPLY = 'Received incorrect response from peer!';
const JOINED = 'Node joined green zone successfully.';

/** A refusal that ends the operation, answered with its status and text. */
const REFUSED = 'green_zone_refused';
const stop = (status: number, message: string): never => {
  throw new HbError(REFUSED, message, { status });
};
const isRefusal = (e: unknown, status?: number): e is HbError =>
  e instanceof HbError && e.code === REFUSED && (status === undefined || e.status === status);

/** The configuration now: a join or an init may have changed it since the request began. */
const configNow = (ctx: Context) => ctx.node?.config ?? ctx.config;

/** The zone key this node holds, if any. */
function zoneKeyOf(ctx: Context): Buffer | undefined {
  const text = configNow(ctx).priv_green_zone_aes;
  if (!text) return undefined;
  try {
    const key = Buffer.from(fromBase64(text));
    return key.length === ZONE_KEY_BYTES ? key : undefined;
  } catch {
    return undefined; // not a key this node made: no zone
  }
}

/** HyperBEAM's node history rule: between `min` and `max` configuration changes. */
function checkHistory(ctx: Context, min: number, max: number): void {
  const length = ctx.config.node_history.length;
  if (length < min) {
    stop(400, `Node history too short. Expected at least ${min} entries, got ${length}.`);
  }
  if (length > max) {
    stop(400, `Node history too long. Expected at most ${max} entries, got ${length}.`);
  }
}

function requireOperator(req: Message, ctx: Context): void {
  if (!isAdmin(req, ctx.config, ctx.services.wallet.address)) {
    stop(403, "Unauthorized: only the node's operator may do this.");
  }
}

function nodeControl(ctx: Context) {
  return ctx.node ?? stop(400, 'This node cannot change its configuration while it runs.');
}

/** The options a zone requires by default: what shapes its behaviour, frozen. */
function defaultRequirements(ctx: Context): Message {
  return {
    routes: ctx.config.routes,
    on: ctx.config.on,
    scheduling_mode: 'disabled',
    initialized: 'permanent',
  };
}

/** A value as compared across the wire: atoms as their names, no commitments. */
function plain(value: Value): Value {
  if (value instanceof Atom) return value.name;
  if (Array.isArray(value)) return value.map(plain);
  if (!isMessage(value)) return value;
  const out: Message = {};
  for (const [key, inner] of Object.entries(value)) {
    if (key !== 'commitments') out[key] = plain(inner as Value);
  }
  return out;
}

// Talking to the peer ---------------------------------------------------------------------

interface Peer {
  readonly location: string;
  readonly id: string;
}

function peerOf(ctx: Context): Peer | undefined {
  const { green_zone_peer_location: location, green_zone_peer_id: id } = ctx.config;
  return location && id ? { location, id } : undefined;
}

/**
 * The peer's reply, reduced to what its signature covers; refused with
 * `invalid` unless the peer's address signed it and every signature holds.
 */
async function askPeer(
  ctx: Context,
  peer: Peer,
  req: { method?: string; path: string; message?: Message },
  invalid: string,
): Promise<{ status: number; message: Message }> {
  const { http, codecs } = ctx.services;
  let reply: Awaited<ReturnType<typeof http.send>>;
  try {
    reply = await http.send(peer.location, req, codecs);
  } catch (e) {
    if (e instanceof UnreachableError) return stop(503, 'Peer node is unreachable.');
    throw e;
  }
  if (!reply.verified || !committersOf(reply.message).includes(peer.id)) stop(400, invalid);
  return { status: reply.status, message: withOnlyCommitted(reply.message, codecs) };
}

/** Take on the zone's required options (all, or the listed ones). */
async function adoptRequirements(ctx: Context, peer: Peer): Promise<void> {
  const adopt = ctx.config.green_zone_adopt_config;
  if (adopt === false) return;
  let reply: { status: number; message: Message };
  try {
    reply = await askPeer(
      ctx,
      peer,
      { path: '/~meta@1.0/info/green_zone_required_opts' },
      'Peer gave invalid signature for required config.',
    );
  } catch (e) {
    if (isRefusal(e, 503)) {
      stop(503, 'Could not get required config from peer.');
    }
    throw e;
  }
  if (reply.status !== 200) stop(502, 'Could not get required config from peer.');
  const required = omit(reply.message, ['commitments', 'status']);
  const keys = Array.isArray(adopt) ? adopt.map(String) : Object.keys(required);
  const changes: Message = {};
  for (const key of keys) if (key in required) changes[key] = required[key] as Value;
  // A member enforces the zone's rules on its own joiners too.
  changes.green_zone_required_opts = required;
  try {
    nodeControl(ctx).reconfigure(changes);
  } catch (e) {
    if (e instanceof HbError && e.status < 500) stop(400, e.message);
    throw e;
  }
}

/** The client side of `join`: attest to the peer, receive the zone key. */
async function joinPeer(req: Message, ctx: Context, peer: Peer): Promise<Result> {
  requireOperator(req, ctx);
  if (zoneKeyOf(ctx)) stop(400, 'Node already part of green zone.');
  await adoptRequirements(ctx, peer);
  const node = nodeControl(ctx);
  // Attest to the configuration as it is now (after adopting the zone's).
  const now: Context = { ...ctx, config: node.config };
  const term = publicKeyTerm(ctx.services.wallet);
  // Both names: HyperBEAM's May 2025 `public-key`, and `public_key` of later versions.
  const report = await attest(now, { 'public-key': term, public_key: term });
  if (report.status !== 'ok') return report;
  const { status, message } = await askPeer(
    ctx,
    peer,
    { method: 'POST', path: '/~greenzone@1.0/join', message: report.body as Message },
    BAD_PEER_REPLY,
  );
  if (status !== 200) {
    return fail(status, String(message.body ?? 'The peer refused the join.'), {
      ...(message.reason === undefined ? {} : { reason: message.reason }),
    });
  }
  if (typeof message['zone-key'] !== 'string') stop(400, BAD_PEER_REPLY);
  const aes = unwrapZoneKey(message['zone-key'] as string, ctx.services.wallet);
  node.replace({ priv_green_zone_aes: base64(aes) });
  return ok({ status: 200, body: JOINED });
}

/** Every option the zone requires, with the zone's value, in the joiner's node message. */
function checkRequirements(nodeMessage: Value | undefined, ctx: Context): void {
  if (!isMessage(nodeMessage)) stop(400, 'invalid_join_request: the message has no node-message');
  const own = ctx.config.green_zone_required_opts;
  const required: Message = { ...own, green_zone_required_opts: own };
  for (const [key, value] of Object.entries(required)) {
    const theirs = (nodeMessage as Message)[key];
    if (theirs === undefined || !valueEquals(plain(theirs), plain(value as Value))) {
      stop(400, `invalid_join_request: the node message's ${key} is not the zone's`);
    }
  }
}

/** The server side of `join`: a joiner proves who it is and what it runs. */
async function acceptJoin(req: Message, ctx: Context): Promise<Result> {
  const aes = zoneKeyOf(ctx) ?? stop(400, NOT_IN_ZONE);
  const { codecs, wallet } = ctx.services;
  const msg = withOnlyCommitted(reportMessage(req, ctx), codecs);
  if (!(await verifyMessage(msg, {}, codecs))) stop(400, 'The join request is not signed.');
  checkRequirements(msg['node-message'], ctx);
  const address = msg.address;
  const term = msg['public-key'] ?? msg.public_key;
  if (typeof address !== 'string' || typeof term !== 'string') {
    stop(400, 'The join request names no address or public key.');
  }
  const modulus = modulusOfTerm(term as string);
  if (base64url(sha256(modulus)) !== address) {
    stop(400, 'The public key is not the one of the address that joins.');
  }
  const reason = await refusalOf(msg, ctx);
  if (reason !== undefined) {
    return fail(400, 'Received invalid commitment report.', { reason });
  }
  const node = nodeControl(ctx);
  node.replace({
    trusted_nodes: {
      ...node.config.trusted_nodes,
      [address as string]: { report: msg.report as Value, 'public-key': term as string },
    },
  });
  const reply: Message = {
    status: 200,
    body: JOINED,
    'node-address': address as string,
    'zone-key': wrapZoneKey(aes, modulus),
    'public-key': publicKeyTerm(wallet),
  };
  return ok(await signed(reply, ctx));
}

async function signed(msg: Message, ctx: Context): Promise<Message> {
  const { codecs, wallet } = ctx.services;
  return await codecs.committer('httpsig@1.0').commit(msg, {}, { wallet });
}

async function become(req: Message, ctx: Context): Promise<Result> {
  requireOperator(req, ctx);
  const aes = zoneKeyOf(ctx) ?? stop(400, NOT_IN_ZONE);
  const peer = peerOf(ctx) ?? stop(400, 'This node names no green zone peer to become.');
  const { status, message } = await askPeer(
    ctx,
    peer,
    { path: '/~greenzone@1.0/key' },
    BAD_PEER_REPLY,
  );
  const { encrypted_key: sealed, iv } = message;
  if (status !== 200 || typeof sealed !== 'string' || typeof iv !== 'string') {
    stop(400, BAD_PEER_REPLY);
  }
  const identity = openIdentity(sealed as string, iv as string, aes);
  if (identity.address !== peer.id) stop(400, 'The peer sent an identity that is not its own.');
  nodeControl(ctx).become(identity);
  const text = 'Successfully adopted target node identity';
  return ok({
    status: 200,
    message: text,
    body: text,
    'peer-location': peer.location,
    'peer-id': peer.id,
  });
}

async function init(req: Message, ctx: Context): Promise<Result> {
  requireOperator(req, ctx);
  checkHistory(ctx, 1, 1);
  if (zoneKeyOf(ctx)) stop(400, 'Green zone already initialized.');
  const configured = ctx.config.green_zone_required_config;
  const required = Object.keys(configured).length > 0 ? configured : defaultRequirements(ctx);
  nodeControl(ctx).replace({
    priv_green_zone_aes: base64(randomBytes(ZONE_KEY_BYTES)),
    trusted_nodes: {},
    green_zone_required_opts: required,
  });
  return ok('Green zone initialized successfully.');
}

async function key(ctx: Context): Promise<Result> {
  const aes = zoneKeyOf(ctx) ?? stop(400, NOT_IN_ZONE);
  return ok(await signed({ status: 200, ...sealIdentity(ctx.services.wallet, aes) }, ctx));
}

async function join(req: Message, ctx: Context): Promise<Result> {
  checkHistory(ctx, 0, 1);
  const peer = peerOf(ctx);
  return peer ? joinPeer(req, ctx, peer) : acceptJoin(req, ctx);
}

/** Run an operation: its refusals become replies with their status. */
const guarded =
  (run: (req: Message, ctx: Context) => Promise<Result>) =>
  async (_base: Message, req: Message, ctx: Context): Promise<Result> => {
    try {
      return await run(req, ctx);
    } catch (e) {
      if (isRefusal(e)) return fail(e.status, e.message);
      if (e instanceof HbError && e.status < 500) return fail(400, e.message);
      throw e;
    }
  };

export const greenzoneDevice = defineDevice({
  name: 'greenzone@1.0',
  exports: ['info', 'init', 'join', 'key', 'become', 'trusted_nodes', 'is_trusted'],
  volatile: true,
  keys: {
    info: () =>
      ok({
        status: 200,
        body: {
          description: 'Green Zone secure communication and identity management for trusted nodes',
          version: '1.0',
        },
      }),
    init: guarded(init),
    join: guarded(join),
    key: guarded((_req, ctx) => key(ctx)),
    become: guarded(become),
    trusted_nodes: (_base, _req, ctx) => ok(configNow(ctx).trusted_nodes),
    is_trusted: (_base, req, ctx) => {
      const trusted = configNow(ctx).trusted_nodes;
      return ok(String(committersOf(req).some((signer) => Object.hasOwn(trusted, signer))));
    },
  },
});
