/**
 * Results as AO clients read them. aoconnect reads a result's `raw` (the
 * legacy `{Output, Messages, Spawns, Assignments}` of AOS in WebAssembly,
 * which json-iface and genesis-wasm keep in the results). A Lua process
 * (hyper-aos) answers `{output, outbox}` only, so clients would see an empty
 * result: where results hold `output` or `outbox` and no legacy form, the
 * legacy form is derived when they are served (never stored, so the results
 * and their IDs stay what the process computed).
 */
import { base64, tryUtf8Decode } from '../core/binary.ts';
import { Atom, Float, isMessage, type Message, type Value } from '../core/message.ts';
import { legacyResultKeys } from '../wasm/aos.ts';
import { headerCase, type JsonValue } from './json-struct.ts';

type Json = { [key: string]: JsonValue };

/** A message value as JSON: binaries as text (else base64), atoms by name, maps as objects. */
function jsonOf(value: Value): JsonValue {
  if (value instanceof Uint8Array) return tryUtf8Decode(value) ?? base64(value);
  if (value instanceof Atom) return value.name === 'null' ? null : value.name;
  if (Array.isArray(value)) return value.map(jsonOf);
  if (isMessage(value)) {
    const out: Json = {};
    for (const [key, v] of Object.entries(value)) out[key] = jsonOf(v as Value);
    return out;
  }
  if (value instanceof Float) return value.value;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return value;
  return String(value);
}

const text = (value: Value): string => {
  const json = jsonOf(value);
  return typeof json === 'string' ? json : JSON.stringify(json);
};

/** An outbox entry as a legacy message: Target, Data, and every other key as a tag. */
function legacyMessage(entry: Message): Json {
  const tags: Json[] = [];
  for (const [name, value] of Object.entries(entry)) {
    if (name === 'target' || name === 'data') continue;
    tags.push({ name: headerCase(name), value: text(value as Value) });
  }
  return {
    ...(entry.target === undefined ? {} : { Target: text(entry.target) }),
    Data: entry.data === undefined ? '' : text(entry.data),
    Tags: tags,
  };
}

/** `results` with the legacy form clients read, where it has none of its own. */
export function withLegacyView(results: Message): Message {
  if (results.json !== undefined || results.raw !== undefined) return results;
  const { output, outbox } = results;
  // An outbox numbered from 1 reads as a list (lua.md §4) or as a map.
  const entries = Array.isArray(outbox)
    ? outbox
    : isMessage(outbox)
      ? Object.keys(outbox)
          .sort((a, b) => Number(a) - Number(b) || a.localeCompare(b))
          .map((key) => outbox[key])
      : undefined;
  if (!isMessage(output) && entries === undefined) return results;
  const response: Json = {
    Output: isMessage(output) ? jsonOf(output) : {},
    Messages: (entries ?? []).filter(isMessage).map(legacyMessage),
  };
  return { ...results, ...legacyResultKeys(response) };
}
