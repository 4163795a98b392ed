/**
 * `remote-node`: another node's `~cache@1.0` as a store (HyperBEAM's
 * hb_store_remote_node). `{store-module: remote-node, node: <url>}`.
 * Reads ask `GET /~cache@1.0/read?target=<id|path>`; what comes back is only
 * accepted if it matches what was asked for (the message's content ID, a
 * commitment under the ID asked for that verifies on it, or the hash in
 * `data/<sha-256>`), so a remote node cannot slip in other content. Writes
 * upload bytes (`POST /~cache@1.0/write`, stored at `data/<sha-256>`) and
 * links, signed by the given wallet; the remote decides whom it trusts.
 */
import { commitmentsOf, verifyMessage, withOnlyCommitted } from '../codecs/commitments.ts';
import type { CodecRegistry } from '../codecs/registry.ts';
import { base64url, isBinary, sha256, toBytes } from '../core/binary.ts';
import { BadRequestError, HbError } from '../core/errors.ts';
import { isId, type Message, omit } from '../core/message.ts';
import type { Wallet } from '../crypto/wallet.ts';
import { messageId, unsignedMessageId } from '../engine/ids.ts';
import type { ClientResponse, HttpClient } from '../net/http-client.ts';
import type { Store, StoreType } from './store.ts';

/** The forms of a reply that may be the message asked for: as sent, or without the node's additions. */
function candidates(msg: Message, codecs: CodecRegistry): Message[] {
  const plain = omit(msg, ['commitments']);
  return [withOnlyCommitted(msg, codecs), omit(plain, ['status']), plain];
}

/**
 * Whether a reply is the message with ID `id`: its content hashes to it, or
 * the commitment filed under it (or all of them, for a combined ID) verifies
 * on it, so a node cannot pass off other content under a real signature.
 */
async function answersTo(msg: Message, id: string, codecs: CodecRegistry): Promise<boolean> {
  if (unsignedMessageId(msg) === id) return true;
  const commitments = commitmentsOf(msg);
  const all = Object.keys(commitments);
  const selected = Object.hasOwn(commitments, id)
    ? [id]
    : all.length > 0 && messageId(msg) === id
      ? all
      : undefined;
  return selected !== undefined && verifyMessage(msg, { commitments: selected }, codecs);
}

export class RemoteNodeStore implements Store {
  readonly scope = 'remote' as const;
  private readonly node: string;
  private readonly wallet: Wallet | undefined;
  private readonly codecs: CodecRegistry;
  private readonly http: HttpClient;
  private readonly timeoutMs: number;

  /** Asks through `http`; replies are read with `codecs`; writes are signed with `wallet`. */
  constructor(
    node: string,
    options: { codecs: CodecRegistry; http: HttpClient; wallet?: Wallet; timeoutMs?: number },
  ) {
    this.node = node;
    this.wallet = options.wallet;
    this.codecs = options.codecs;
    this.http = options.http;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  describe(): Message {
    return { 'store-module': 'remote-node', node: this.node };
  }

  private async fetchTarget(target: string): Promise<ClientResponse | undefined> {
    // HyperPATH query values are taken literally (never percent-decoded): send only plain paths.
    if (!/^[A-Za-z0-9_\-./@~+]+$/.test(target)) return undefined;
    try {
      const res = await this.http.send(
        this.node,
        {
          path: `/~cache@1.0/read?target=${target}`,
          headers: { 'accept-codec': 'httpsig@1.0' },
          timeoutMs: this.timeoutMs,
        },
        this.codecs,
      );
      return res.status === 200 ? res : undefined;
    } catch (error) {
      if (error instanceof HbError) return undefined;
      throw error;
    }
  }

  async readMessage(id: string): Promise<Message | undefined> {
    if (!isId(id)) return undefined;
    const res = await this.fetchTarget(id);
    if (!res) return undefined;
    for (const candidate of candidates(res.message, this.codecs)) {
      if (await answersTo(candidate, id, this.codecs)) return candidate;
    }
    return undefined;
  }

  async read(path: string): Promise<Uint8Array | undefined> {
    const res = await this.fetchTarget(path);
    const msg = res?.message;
    const key = typeof msg?.['ao-result'] === 'string' ? msg['ao-result'] : 'body';
    const value = msg?.[key];
    if (!isBinary(value)) return undefined;
    const bytes = toBytes(value);
    const hash = /^data\/([A-Za-z0-9_-]{43})$/.exec(path)?.[1];
    // Content-addressed paths are checked; other paths are the remote's word.
    if (hash !== undefined && base64url(sha256(bytes)) !== hash) return undefined;
    return bytes;
  }

  async type(path: string): Promise<StoreType | undefined> {
    return (await this.read(path)) === undefined ? undefined : 'simple';
  }

  async list(): Promise<string[] | undefined> {
    return undefined;
  }

  async resolve(path: string): Promise<string> {
    return path;
  }

  private async post(path: string, message: Message): Promise<void> {
    if (!this.wallet)
      throw new BadRequestError('read_only', 'this remote store has no key to write with');
    const res = await this.http.send(
      this.node,
      { method: 'POST', path, message, wallet: this.wallet, timeoutMs: this.timeoutMs },
      this.codecs,
    );
    if (res.status !== 200) {
      const body = res.message.body;
      throw new HbError('remote_refused', `${this.node} refused the write: ${String(body)}`, {
        status: res.status,
      });
    }
  }

  /** The remote keeps the bytes at `data/<sha-256>`, whatever `path` says (as HyperBEAM's). */
  write(_path: string, value: Uint8Array): Promise<void> {
    return this.post('/~cache@1.0/write', { body: value });
  }

  makeLink(existing: string, link: string): Promise<void> {
    return this.post('/~cache@1.0/link', { source: existing, destination: link });
  }

  async makeGroup(): Promise<void> {
    throw new BadRequestError('unsupported', 'a remote node store cannot make groups');
  }
}
