/**
 * Where an outbound request goes (HyperBEAM's dev_router:route, as of its
 * May 2025 release): a pure function of the request and the route table.
 *   - a path that is an `http(s)://` URL goes there;
 *   - otherwise the first route whose `template` matches: a path pattern
 *     (lower-cased, a leading `/`, matched unanchored; an invalid one matches
 *     nothing) or a message template (every key and value present);
 *   - its `node` (a URL, or a node with `prefix`/`suffix`/`match`+`with`)
 *     gives one URL; its `nodes` are chosen by `strategy`: `All` (every node,
 *     in order), `Random`, `By-Weight`, `By-Base` (the path's first ID, as a
 *     256-bit number, modulo the node count) or `Nearest` (the nodes whose
 *     `wallet` is nearest that ID on the 2^256 ring), `choose` of them.
 * The path matched is `route-path` if the request has one, else `path`.
 */
import { createHash } from 'node:crypto';
import { fromBase64url } from '../core/binary.ts';
import { isId, isMessage, type Message, type Value } from '../core/message.ts';

/** Where a request goes: the URLs to try, in order, and which route chose them. */
export interface Destination {
  urls: string[];
  /** `explicit`, or `routes/<n>` (1-based, as HyperBEAM numbers them). */
  reference: string;
  /** The route that matched (its multirequest keys: `responses`, `parallel`...). */
  route?: Message;
}

const EXPLICIT = /^https?:\/\//i;
const ID_LENGTHS = new Set([32, 42, 43]);

/** A path pattern as HyperBEAM compares it: lower-case but for ID-sized segments, with a leading `/`. */
function normalizePath(path: string): string {
  const lowered = path
    .split('/')
    .map((part) => (ID_LENGTHS.has(part.length) ? part : part.toLowerCase()))
    .join('/');
  return lowered.startsWith('/') ? lowered : `/${lowered}`;
}

/** Compiled path patterns (a route table is matched again and again). */
const patterns = new Map<string, RegExp | null>();

function pattern(template: string): RegExp | null {
  let compiled = patterns.get(template);
  if (compiled === undefined) {
    try {
      compiled = new RegExp(normalizePath(template));
    } catch {
      compiled = null;
    }
    if (patterns.size > 1024) patterns.clear();
    patterns.set(template, compiled);
  }
  return compiled;
}

export function templateMatches(template: Value | undefined, msg: Message, path: string): boolean {
  if (typeof template === 'string') return pattern(template)?.test(normalizePath(path)) ?? false;
  if (isMessage(template)) {
    return Object.entries(template).every(([key, value]) => sameValue(msg[key], value));
  }
  return false;
}

/**
 * Whether any entry of a template list matches `msg`: an entry is a route
 * `{template, ...}`, as HyperBEAM's lists (`p4_non_chargable_routes`) hold,
 * or a bare template.
 */
export function anyTemplateMatches(entries: readonly Value[], msg: Message): boolean {
  const path = routedPath(msg);
  return entries.some((entry) => {
    const template = isMessage(entry) && entry.template !== undefined ? entry.template : entry;
    return templateMatches(template, msg, path);
  });
}

function sameValue(a: Value | undefined, b: Value): boolean {
  if (a === undefined) return false;
  if (isMessage(a) && isMessage(b)) {
    return Object.entries(b).every(([key, value]) => sameValue(a[key], value));
  }
  return String(a) === String(b);
}

/** The URL a node gives for `path`. */
export function nodeUrl(node: Value, path: string): string | undefined {
  if (typeof node === 'string') return node;
  if (!isMessage(node)) return undefined;
  if (typeof node.uri === 'string') return node.uri;
  if (typeof node.prefix === 'string') return node.prefix + path;
  if (typeof node.suffix === 'string') return path + node.suffix;
  if (typeof node.match === 'string' && typeof node.with === 'string') {
    try {
      return path.replace(new RegExp(node.match, 'g'), node.with);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

const TWO_256 = 1n << 256n;

function bigintOf(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
}

/** The ID a path is about, as a 256-bit number: its first segment if it is an ID, else its hash. */
export function baseOf(path: string): bigint {
  const first = path.replace(/^\/+/, '').split('/')[0] ?? '';
  const candidate = first.split(/[~?&]/)[0] ?? '';
  if (isId(first)) return bigintOf(fromBase64url(first));
  if (isId(candidate)) return bigintOf(fromBase64url(candidate));
  return bigintOf(createHash('sha256').update(first).digest());
}

function walletOf(node: Message): bigint | undefined {
  return typeof node.wallet === 'string' && isId(node.wallet)
    ? bigintOf(fromBase64url(node.wallet))
    : undefined;
}

/** Distance on the 2^256 ring. */
function ringDistance(a: bigint, b: bigint): bigint {
  const d = a > b ? a - b : b - a;
  return d < TWO_256 - d ? d : TWO_256 - d;
}

/** `count` of `nodes` by `strategy`; `random` in [0, 1) (injected, for tests). */
export function chooseNodes(
  strategy: string,
  nodes: Message[],
  count: number,
  path: string,
  random: () => number = Math.random,
): Message[] {
  const n = Math.min(Math.max(count, 1), nodes.length);
  switch (strategy.toLowerCase().replaceAll('_', '-')) {
    case 'random': {
      const left = [...nodes];
      return Array.from(
        { length: n },
        () => left.splice(Math.floor(random() * left.length), 1)[0] as Message,
      );
    }
    case 'by-weight': {
      const left = [...nodes];
      const picked: Message[] = [];
      while (picked.length < n && left.length > 0) {
        const weights = left.map((node) => Math.max(Number(node.weight ?? 1) || 0, 0));
        const total = weights.reduce((a, b) => a + b, 0);
        const at = random() * total;
        let i = 0;
        for (let sum = 0; i < left.length - 1; i++) {
          sum += weights[i] as number;
          if (at < sum) break;
        }
        picked.push(left.splice(i, 1)[0] as Message);
      }
      return picked;
    }
    case 'by-base': {
      const start = Number(baseOf(path) % BigInt(nodes.length));
      return Array.from({ length: n }, (_, i) => nodes[(start + i) % nodes.length] as Message);
    }
    case 'nearest': {
      const base = baseOf(path);
      return nodes
        .map((node) => ({ node, wallet: walletOf(node) }))
        .filter((x): x is { node: Message; wallet: bigint } => x.wallet !== undefined)
        .sort((a, b) => {
          const da = ringDistance(a.wallet, base);
          const db = ringDistance(b.wallet, base);
          return da < db ? -1 : da > db ? 1 : 0;
        })
        .slice(0, n)
        .map((x) => x.node);
    }
    default:
      return nodes; // `All`
  }
}

/** The path a request is routed by. */
export function routedPath(msg: Message): string {
  const path = msg['route-path'] ?? msg.path;
  return typeof path === 'string' ? path : '/';
}

/** The route `msg` takes through `routes`; undefined when none matches. */
export function findRoute(
  msg: Message,
  routes: readonly Value[],
  random?: () => number,
): Destination | undefined {
  const path = routedPath(msg);
  if (EXPLICIT.test(path)) return { urls: [path], reference: 'explicit' };
  for (const [index, route] of routes.entries()) {
    if (!isMessage(route) || !templateMatches(route.template, msg, path)) continue;
    const reference = `routes/${index + 1}`;
    if (route.node !== undefined) {
      const url = nodeUrl(route.node, path);
      return url === undefined ? undefined : { urls: [url], reference, route };
    }
    const nodes = Array.isArray(route.nodes) ? route.nodes.filter(isMessage) : [];
    const strategy = typeof route.strategy === 'string' ? route.strategy : 'All';
    const chosen = chooseNodes(strategy, nodes, Number(route.choose ?? 1), path, random);
    const urls = chosen.map((node) => nodeUrl(node, path)).filter((u): u is string => !!u);
    return urls.length === 0 ? undefined : { urls, reference, route };
  }
  return undefined;
}
