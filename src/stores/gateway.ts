/**
 * `gateway`: Arweave as a read-only store (HyperBEAM's hb_store_gateway).
 * `{store-module: gateway, gateway: <url>, subindex?: [{name, value}]}`.
 * A message is found by ID with GraphQL (`POST <gateway>/graphql`), its data
 * fetched from `GET <gateway>/raw/<id>`, and the data item rebuilt. An item
 * whose signature does not check out (GraphQL omits some fields) is refused
 * unless `trust-graphql` (HyperBEAM's `ans104_trust_gql`) is set, in which case
 * its commitment is marked with the `trusted-keys` it carries.
 */
import { type DataItem, itemId, type Tag, verifyItem } from '../codecs/ans104/data-item.ts';
import { ans104Codec } from '../codecs/ans104/index.ts';
import { tabmToMessage } from '../codecs/structured.ts';
import { base64url, fromBase64url } from '../core/binary.ts';
import { BadRequestError } from '../core/errors.ts';
import { isId, isMessage, type Message, normalizeKey } from '../core/message.ts';
import type { Store, StoreType } from './store.ts';

const ITEM_FIELDS =
  'id anchor signature recipient owner { key } fee { winston } quantity { winston } tags { name value } data { size }';

interface GqlNode {
  id: string;
  anchor?: string | null;
  signature: string;
  recipient?: string | null;
  owner: { key: string };
  tags: { name: string; value: string }[];
  data?: { size?: string | number };
}

/** Signature type by signature length: RSA 512, Ethereum 65, ed25519 64. */
const TYPE_BY_LENGTH: Record<number, number> = { 512: 1, 65: 3, 64: 2 };

export interface GatewayOptions {
  gateway?: string;
  /** Only items with these tags (HyperBEAM's default chain uses Data-Protocol: ao). */
  subindex?: { name: string; value: string }[];
  trustGraphql?: boolean;
  timeoutMs?: number;
}

export class GatewayStore implements Store {
  readonly scope = 'remote' as const;
  private readonly gateway: string;
  private readonly subindex: { name: string; value: string }[];
  private readonly trustGraphql: boolean;
  private readonly timeoutMs: number;

  constructor(options: GatewayOptions = {}) {
    this.gateway = (options.gateway ?? 'https://arweave.net').replace(/\/+$/, '');
    this.subindex = options.subindex ?? [];
    this.trustGraphql = options.trustGraphql ?? false;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  describe(): Message {
    return {
      'store-module': 'gateway',
      gateway: this.gateway,
      ...(this.subindex.length ? { subindex: this.subindex } : {}),
    };
  }

  private async query(id: string): Promise<GqlNode | undefined> {
    const tags = this.subindex.length
      ? `, tags: [${this.subindex.map((t) => `{ name: ${JSON.stringify(t.name)}, values: [${JSON.stringify(t.value)}] }`).join(', ')}]`
      : '';
    const query = `query($transactionIds: [ID!]!) { transactions(ids: $transactionIds${tags}, first: 1) { edges { node { ${ITEM_FIELDS} } } } }`;
    const res = await fetch(`${this.gateway}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables: { transactionIds: [id] } }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (res.status !== 200) return undefined;
    const json = (await res.json()) as {
      data?: { transactions?: { edges?: { node?: GqlNode }[] } };
    };
    return json.data?.transactions?.edges?.[0]?.node ?? undefined;
  }

  private async data(id: string): Promise<Uint8Array | undefined> {
    const res = await fetch(`${this.gateway}/raw/${id}`, {
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    return res.status === 200 ? new Uint8Array(await res.arrayBuffer()) : undefined;
  }

  /** The data item a GraphQL node describes. */
  private item(node: GqlNode, data: Uint8Array): DataItem {
    const signature = fromBase64url(node.signature);
    const signatureType = TYPE_BY_LENGTH[signature.length];
    if (signatureType === undefined) {
      throw new BadRequestError('bad_signature', `unknown signature length ${signature.length}`);
    }
    const tags: Tag[] = node.tags.map((t) => ({ name: t.name, value: t.value }));
    return {
      signatureType,
      signature,
      owner: fromBase64url(node.owner.key),
      target: node.recipient ? fromBase64url(node.recipient) : new Uint8Array(),
      anchor: node.anchor ? fromBase64url(node.anchor) : new Uint8Array(),
      tags,
      data,
    };
  }

  async readMessage(id: string): Promise<Message | undefined> {
    if (!isId(id) || id.length !== 43) return undefined;
    const node = await this.query(id);
    if (!node || node.id !== id) return undefined;
    const data = (await this.data(id)) ?? new Uint8Array();
    const item = this.item(node, data);
    if (base64url(itemId(item)) !== id) return undefined;
    const msg = tabmToMessage(ans104Codec.toTabm(item));
    if (verifyItem(item)) return msg;
    if (!this.trustGraphql) return undefined;
    // Trusted on the gateway's word: the commitment says which keys it vouches for.
    const commitments = isMessage(msg.commitments) ? msg.commitments : {};
    const trusted = node.tags.map((t) => normalizeKey(t.name));
    const marked: Message = {};
    for (const [cid, c] of Object.entries(commitments)) {
      marked[cid] = isMessage(c) ? { ...c, 'trusted-keys': trusted } : c;
    }
    return { ...msg, commitments: marked };
  }

  async read(): Promise<Uint8Array | undefined> {
    return undefined;
  }

  async type(path: string): Promise<StoreType | undefined> {
    return (await this.readMessage(path)) ? 'composite' : undefined;
  }

  async list(path: string): Promise<string[] | undefined> {
    const msg = await this.readMessage(path);
    return msg ? Object.keys(msg) : undefined;
  }

  async resolve(path: string): Promise<string> {
    return path;
  }

  async write(): Promise<void> {
    throw new BadRequestError('read_only', 'the gateway store is read-only');
  }

  async makeGroup(): Promise<void> {
    throw new BadRequestError('read_only', 'the gateway store is read-only');
  }

  async makeLink(): Promise<void> {
    throw new BadRequestError('read_only', 'the gateway store is read-only');
  }
}
