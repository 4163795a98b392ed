// The `wao` package ships no type declarations (its `types` entry is missing):
// the part of its HyperBEAM client, `HB` (wao/esm/hb.js), the interop tests use.

declare module 'wao' {
  /** A message as wao decodes it (httpsig, or the JSON of `~json@1.0/serialize`). */
  export type WaoMessage = { [key: string]: unknown };

  /** A response, decoded: `out` is the message (or value) it carries. */
  export interface WaoResponse {
    out: unknown;
    hashpath: string | null;
    signer?: string;
    headers: Record<string, string>;
    body: string;
    status: number;
  }

  export interface WaoTag {
    name: string;
    value: string;
  }

  export interface WaoEdge {
    cursor: number;
    node: {
      message: {
        Id: string;
        Owner: string;
        From: string;
        Target: string;
        Data: string;
        Tags: WaoTag[];
      };
      assignment: { Id: string; Owner: string; Tags: WaoTag[] };
    };
  }

  /** `GET /~scheduler@1.0/schedule?...&accept=application/aos-2`. */
  export interface WaoMessages {
    page_info: { process: string; has_next_page: boolean };
    edges: WaoEdge[];
    next?: () => Promise<WaoMessages>;
  }

  export interface WaoLegacyResult {
    Output: { data?: unknown; [key: string]: unknown };
    Messages: { Target?: string; Data?: string; Tags?: WaoTag[]; [key: string]: unknown }[];
    Spawns: unknown[];
    Assignments: unknown[];
    Error?: unknown;
  }

  type Tags = Record<string, string>;
  interface Scheduled {
    slot: number;
    pid: string;
    res: WaoResponse;
  }
  interface Spawned {
    pid: string;
    res: WaoResponse;
  }

  export class HB {
    constructor(options?: { url?: string; cu?: string; jwk?: unknown });
    url: string;
    /** The node's address, read by `init` from `/~meta@1.0/info/address`. */
    operator?: string;
    /** The client's address. */
    addr?: string;
    init(jwk: unknown): Promise<HB>;
    g(path: string, params?: Record<string, unknown>): Promise<unknown>;
    get(
      req: { path?: string; [key: string]: unknown },
      opt?: { json?: boolean },
    ): Promise<WaoResponse>;
    getJSON(req: { path?: string; [key: string]: unknown }): Promise<WaoMessage>;
    spawn(tags?: Record<string, unknown>): Promise<Spawned>;
    schedule(args: { pid: string; tags?: Tags; data?: string }): Promise<Scheduled>;
    scheduleFlat(args: { pid: string; tags?: Tags; data?: string }): Promise<Scheduled>;
    message(args: { pid: string; tags?: Tags; data?: string }): Promise<{
      slot: number;
      pid: string;
      res: WaoMessage;
    }>;
    compute(args: { pid: string; slot: number; path?: string }): Promise<WaoMessage>;
    now(args: { pid: string; path?: string }): Promise<WaoMessage>;
    slot(args: { pid: string; path?: string }): Promise<WaoMessage>;
    messages(args: { pid: string; from?: number; to?: number }): Promise<WaoMessages>;
    cacheScript(data: string | Uint8Array, type?: string): Promise<string>;
    spawnAOS(image?: string): Promise<Spawned>;
    scheduleAOS(args: {
      pid: string;
      action?: string;
      tags?: Tags;
      data?: string;
    }): Promise<Scheduled>;
    messageAOS(args: { pid: string; action?: string; tags?: Tags; data?: string }): Promise<{
      slot: number;
      outbox: WaoMessage;
    }>;
    computeAOS(args: { pid: string; slot: number }): Promise<WaoMessage>;
    spawnLegacy(args?: { module?: string; tags?: Tags; data?: string }): Promise<Spawned>;
    scheduleLegacy(args: {
      pid: string;
      action?: string;
      tags?: Tags;
      data?: string;
    }): Promise<Scheduled>;
    messageLegacy(args: { pid: string; action?: string; tags?: Tags; data?: string }): Promise<{
      slot: number;
      res: WaoLegacyResult;
    }>;
    computeLegacy(args: { pid: string; slot: number }): Promise<WaoLegacyResult>;
    /** The hyper-aos module ID `spawnLua` uses (else `getLua` caches its own). */
    lua?: string;
    spawnLua(): Promise<Spawned>;
    scheduleLua(args: {
      pid: string;
      action?: string;
      tags?: Tags;
      data?: string;
    }): Promise<Scheduled>;
    computeLua(args: { pid: string; slot: number }): Promise<WaoMessage>;
    /** Schedule a signed message on a node process (`/<name>~node-process@1.0/schedule`). */
    scheduleNP(args: { pid: string; tags?: Tags; data?: string }): Promise<Scheduled>;
  }
}
