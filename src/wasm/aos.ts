/**
 * The AOS call convention in both of its shapes:
 * - HyperBEAM's json-iface (dev_json_iface): the message as JSON plus
 *   `Module` and `Block-Height`; the env holds only `Process`.
 * - the legacy compute unit's (what genesis-wasm replaces): the message with
 *   the assignment's fields (`Nonce`, `Timestamp`, `Hash-Chain`...) and an
 *   env of `Process` and `Module` (`Id`, `Owner`, `Tags`).
 * And the way back: an AOS response (`Output`, `Messages`...) as `results`.
 */

import { commitmentsOf } from '../codecs/commitments.ts';
import { jsonToMessage } from '../codecs/json.ts';
import { Atom, isMessage, type Message, normalizeKey, put, type Value } from '../core/message.ts';
import { type JsonValue, messageToJsonStruct } from '../processes/json-struct.ts';
import { processIdOf } from '../processes/process-message.ts';

type Json = { [key: string]: JsonValue };

/** The message as AOS sees it, with the signature its commitment carries. */
function messageJson(msg: Message): Json {
  const json = messageToJsonStruct(msg);
  if (json.Signature === '') {
    const first = Object.values(commitmentsOf(msg))[0];
    const sig = isMessage(first) ? first.signature : undefined;
    if (typeof sig === 'string') json.Signature = sig;
  }
  return json;
}

const numberOf = (value: Value | undefined): number => {
  const n = Number(value);
  return Number.isFinite(n) ? n : 0;
};

/** The env JSON of each process message seen (the same for every slot of a process). */
const envs = new WeakMap<Message, string>();

/**
 * The call made for each scheduled message seen, with what it depends on
 * besides (a fold builds the next slot's call ahead of its turn).
 */
const calls = new WeakMap<
  Message,
  { process: Message; height: Value | undefined; call: [string, string] }
>();

/** json-iface: `[message JSON, env JSON]` for an assignment. */
export function jsonIfaceCall(assignment: Message, process: Message): [string, string] {
  const body = isMessage(assignment.body) ? assignment.body : assignment;
  const height = assignment['block-height'];
  const known = calls.get(body);
  if (known?.process === process && known.height === height) return known.call;
  const call = buildCall(body, assignment, process);
  calls.set(body, { process, height, call });
  return call;
}

function buildCall(body: Message, assignment: Message, process: Message): [string, string] {
  const msg = {
    ...messageJson(body),
    Module: typeof process.image === 'string' ? process.image : '',
    'Block-Height': numberOf(assignment['block-height']),
  };
  let env = envs.get(process);
  if (env === undefined) {
    env = JSON.stringify({ Process: messageJson(process) });
    envs.set(process, env);
  }
  return [JSON.stringify(msg), env];
}

/** The legacy compute unit's message and env for an assignment. */
export function legacyCall(
  assignment: Message,
  process: Message,
  module: { id: string; owner: string; tags: JsonValue[] },
): [string, string] {
  const body = isMessage(assignment.body) ? assignment.body : assignment;
  const json = messageJson(body);
  const tags = json.Tags as { name: string; value: string }[];
  const tag = (name: string) => tags.find((t) => t.name.toLowerCase() === name)?.value;
  const pid = processIdOf(process);
  const msg: Json = {
    ...json,
    Target: pid,
    From: tag('from-process') ?? json.Owner ?? '',
    'Forwarded-By': tag('forwarded-by') ?? null,
    Epoch: numberOf(assignment.epoch),
    Nonce: numberOf(assignment.slot),
    Timestamp: numberOf(assignment.timestamp),
    'Block-Height': numberOf(assignment['block-height']),
    'Hash-Chain': typeof assignment['hash-chain'] === 'string' ? assignment['hash-chain'] : '',
    Cron: false,
  };
  const proc = messageJson(process);
  const env = {
    Process: { Id: pid, Owner: proc.Owner, Tags: proc.Tags },
    Module: { Id: module.id, Owner: module.owner, Tags: module.tags },
  };
  return [JSON.stringify(msg), JSON.stringify(env)];
}

/**
 * A value of an AOS result as HyperBEAM decodes it (hb_json): a table is a
 * message, an array a list, `null` the atom; numbers and booleans stay what
 * they are. A number no message can carry (an integer beyond 15 digits) is
 * kept as its text.
 */
function aosValue(value: JsonValue): Value {
  if (value === null) return Atom.of('null');
  if (Array.isArray(value)) return value.map(aosValue);
  if (typeof value === 'object') {
    const msg: Message = {};
    for (const [key, v] of Object.entries(value)) put(msg, key, aosValue(v));
    return msg;
  }
  if (typeof value === 'number' && Number.isInteger(value) && Math.abs(value) >= 1e15) {
    return String(value);
  }
  return value;
}

/**
 * An outbox entry: its keys and its tags as keys, their values as the module
 * returned them (HyperBEAM's preprocess_results), so a PATCH message's
 * `cache = { k = "v" }` arrives as a message.
 */
function outboxMessage(entry: Json): Message {
  const out: Message = {};
  for (const [key, value] of Object.entries(entry)) {
    const k = normalizeKey(key);
    if (['from-process', 'from-image', 'anchor', 'tags'].includes(k)) continue;
    out[k] = aosValue(value);
  }
  const tags = Array.isArray(entry.Tags) ? entry.Tags : [];
  for (const t of tags) {
    if (isJsonObject(t) && typeof t.name === 'string' && t.value !== undefined) {
      out[normalizeKey(t.name)] = aosValue(t.value);
    }
  }
  return out;
}

function isJsonObject(value: JsonValue | undefined): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * An AOS response as `results`: `data` (Output's data, or the Error), the
 * `outbox` numbered from 1 (each marked with the process it came from), and
 * `patches`. Throws on a shape AOS never returns.
 */
export function aosResults(response: JsonValue, process: Message): Message {
  if (!isJsonObject(response)) throw new Error('the module returned no result object');
  const output = response.Output;
  let data: JsonValue;
  if (isJsonObject(output) && 'data' in output) data = output.data ?? '';
  else if (typeof output === 'string') data = output;
  else if ('Error' in response) data = response.Error ?? '';
  else throw new Error('the module returned a result without Output or Error');
  const messages = 'Error' in response && !isJsonObject(output) ? [] : (response.Messages ?? []);
  const outbox: Message = {};
  const from = processIdOf(process);
  (Array.isArray(messages) ? messages : []).forEach((m, i) => {
    if (!isJsonObject(m)) return;
    const msg = outboxMessage(m);
    msg['from-process'] = from;
    if (typeof process.image === 'string') msg['from-image'] = process.image;
    outbox[String(i + 1)] = msg;
  });
  const patches = Array.isArray(response.patches) ? response.patches : [];
  return {
    data: typeof data === 'string' ? data : JSON.stringify(data),
    outbox,
    patches: patches.filter(isJsonObject).map(outboxMessage),
  };
}

/**
 * An AOS response as clients read it, beside `results`: the legacy result
 * (with its defaults) as JSON text at `json` ({content-type, body}) and as a
 * message at `raw` (HyperBEAM's delegated-compute results).
 */
export function legacyResultKeys(response: Json): Message {
  const result = legacyResult(response);
  return {
    json: { 'content-type': 'application/json', body: JSON.stringify(result) },
    raw: jsonToMessage(result),
  };
}

/** A legacy result, with its defaults. */
export function legacyResult(response: Json): Json {
  return {
    Output: response.Output ?? {},
    Messages: response.Messages ?? [],
    Spawns: response.Spawns ?? [],
    Assignments: response.Assignments ?? [],
    ...('Error' in response ? { Error: response.Error ?? null } : {}),
    GasUsed: response.GasUsed ?? 0,
  };
}
