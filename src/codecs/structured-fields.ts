/**
 * HTTP Structured Fields (RFC 8941/9651) in HyperBEAM's dialect.
 *
 * Why not the `structured-headers` package: HyperBEAM's wire values are not
 * strict SF. `ao-types` dictionaries have keys that start with digits or hold
 * `%xx` escapes (`1="list"`), `ao-ids` keys keep upper case, tokens may hold
 * `:` and `/`, and string items carry raw bytes. A strict parser rejects all of
 * these, so this module implements exactly the dialect HyperBEAM reads and
 * writes. Parsing works on byte strings (one char per byte) so that raw bytes
 * survive; string items come back as canonical binaries.
 */
import {
  type Binary,
  base64,
  concatBinary,
  fromBase64,
  fromByteString,
  toByteString,
} from '../core/binary.ts';
import { CodecError } from '../core/errors.ts';

export type BareItem =
  | { type: 'integer'; value: number }
  | { type: 'decimal'; value: number }
  | { type: 'string'; value: Binary }
  | { type: 'token'; value: string }
  | { type: 'binary'; value: Uint8Array }
  | { type: 'boolean'; value: boolean };

export type Params = [string, BareItem][];
export interface Item {
  kind: 'item';
  value: BareItem;
  params: Params;
}
export interface InnerList {
  kind: 'inner';
  items: Item[];
  params: Params;
}
export type Member = Item | InnerList;
export type Dictionary = [string, Member][];

export const str = (value: Binary, params: Params = []): Item => ({
  kind: 'item',
  value: { type: 'string', value },
  params,
});
export const bytesItem = (value: Uint8Array): Item => ({
  kind: 'item',
  value: { type: 'binary', value },
  params: [],
});

function fail(what: string, input: string, at: number): never {
  throw new CodecError(
    'bad_structured_field',
    `cannot parse structured field (${what}) at ${at}: ${JSON.stringify(input.slice(0, 120))}`,
  );
}

const isDigit = (c: string) => c >= '0' && c <= '9';
const isAlpha = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
const isLcAlpha = (c: string) => c >= 'a' && c <= 'z';
const TCHAR = "!#$%&'*+-.^_`|~";
// `peek()` is '' at the end of input, and ''.includes('') would be true: guard it.
const oneOf = (set: string, c: string) => c.length === 1 && set.includes(c);
const isTokenChar = (c: string) =>
  isAlpha(c) || isDigit(c) || oneOf(TCHAR, c) || c === ':' || c === '/';
const isKeyStart = (c: string) => isAlpha(c) || isDigit(c) || oneOf('*%_-', c);
const isKeyChar = (c: string) => isAlpha(c) || isDigit(c) || oneOf('_-.*%', c);
const isB64Char = (c: string) => isAlpha(c) || isDigit(c) || oneOf('+/=-_', c);

class Parser {
  pos = 0;
  readonly input: string;
  constructor(input: string) {
    this.input = input;
  }

  peek(): string {
    return this.input[this.pos] ?? '';
  }
  done(): boolean {
    return this.pos >= this.input.length;
  }
  skipSpaces(tabs = true): void {
    for (;;) {
      const c = this.peek();
      if (c === ' ' || (tabs && c === '\t')) this.pos++;
      else return;
    }
  }

  bareItem(): BareItem {
    const c = this.peek();
    if (c === '-' || isDigit(c)) return this.number();
    if (c === '"') return this.string();
    if (isAlpha(c) || c === '*') return this.token();
    if (c === ':') return this.binary();
    if (c === '?') {
      const b = this.input[this.pos + 1];
      if (b === '0' || b === '1') {
        this.pos += 2;
        return { type: 'boolean', value: b === '1' };
      }
    }
    return fail('bare item', this.input, this.pos);
  }

  number(): BareItem {
    const start = this.pos;
    if (this.peek() === '-') this.pos++;
    const intStart = this.pos;
    while (isDigit(this.peek())) this.pos++;
    const intDigits = this.pos - intStart;
    if (intDigits === 0) fail('number', this.input, start);
    if (this.peek() !== '.') {
      if (intDigits > 15) fail('integer longer than 15 digits', this.input, start);
      return { type: 'integer', value: Number(this.input.slice(start, this.pos)) };
    }
    this.pos++;
    const fracStart = this.pos;
    while (isDigit(this.peek())) this.pos++;
    const fracDigits = this.pos - fracStart;
    if (intDigits > 12 || fracDigits < 1 || fracDigits > 3) fail('decimal', this.input, start);
    return { type: 'decimal', value: Number(this.input.slice(start, this.pos)) };
  }

  string(): BareItem {
    const start = this.pos;
    this.pos++;
    let out = '';
    let from = this.pos;
    for (;;) {
      const c = this.input[this.pos];
      if (c === undefined) fail('unterminated string', this.input, start);
      if (c === '"') {
        out += this.input.slice(from, this.pos);
        this.pos++;
        return { type: 'string', value: fromByteString(out) };
      }
      if (c === '\\') {
        const next = this.input[this.pos + 1];
        if (next !== '"' && next !== '\\') fail('bad escape', this.input, this.pos);
        out += this.input.slice(from, this.pos) + next;
        this.pos += 2;
        from = this.pos;
        continue;
      }
      this.pos++;
    }
  }

  token(): BareItem {
    const start = this.pos;
    this.pos++;
    while (isTokenChar(this.peek())) this.pos++;
    return { type: 'token', value: this.input.slice(start, this.pos) };
  }

  binary(): BareItem {
    const start = ++this.pos;
    while (isB64Char(this.peek())) this.pos++;
    if (this.peek() !== ':') fail('byte sequence', this.input, start);
    const text = this.input.slice(start, this.pos);
    this.pos++;
    try {
      return { type: 'binary', value: fromBase64(text) };
    } catch {
      return fail('byte sequence', this.input, start);
    }
  }

  params(): Params {
    const params: Params = [];
    while (this.peek() === ';') {
      this.pos++;
      this.skipSpaces(false);
      const start = this.pos;
      const c = this.peek();
      if (!isLcAlpha(c) && c !== '*') fail('parameter key', this.input, start);
      this.pos++;
      while (isLcAlpha(this.peek()) || isDigit(this.peek()) || oneOf('_-.*', this.peek()))
        this.pos++;
      const key = this.input.slice(start, this.pos);
      let value: BareItem = { type: 'boolean', value: true };
      if (this.peek() === '=') {
        this.pos++;
        value = this.bareItem();
      }
      store(params, key, value);
    }
    return params;
  }

  item(): Item {
    const value = this.bareItem();
    return { kind: 'item', value, params: this.params() };
  }

  innerList(): InnerList {
    this.pos++; // (
    const items: Item[] = [];
    for (;;) {
      this.skipSpaces(false);
      if (this.peek() === ')') {
        this.pos++;
        return { kind: 'inner', items, params: this.params() };
      }
      if (this.done()) fail('unterminated inner list', this.input, this.pos);
      items.push(this.item());
      const c = this.peek();
      if (c !== ' ' && c !== ')') fail('inner list', this.input, this.pos);
    }
  }

  member(): Member {
    return this.peek() === '(' ? this.innerList() : this.item();
  }

  key(): string {
    const start = this.pos;
    if (!isKeyStart(this.peek())) fail('dictionary key', this.input, start);
    this.pos++;
    while (!this.done() && isKeyChar(this.peek())) this.pos++;
    return this.input.slice(start, this.pos);
  }

  /** After a member: optional whitespace, then ',' or the end. Returns false at the end. */
  separator(): boolean {
    this.skipSpaces();
    if (this.done()) return false;
    if (this.peek() !== ',') fail('expected ","', this.input, this.pos);
    this.pos++;
    this.skipSpaces();
    if (this.done()) fail('trailing ","', this.input, this.pos);
    return true;
  }
}

function store<T>(list: [string, T][], key: string, value: T): void {
  const i = list.findIndex(([k]) => k === key);
  if (i >= 0) list[i] = [key, value];
  else list.push([key, value]);
}

export function parseDictionary(input: Binary): Dictionary {
  const p = new Parser(toByteString(input));
  const out: Dictionary = [];
  if (p.done()) return out;
  do {
    const key = p.key();
    let member: Member;
    if (p.peek() === '=') {
      p.pos++;
      member = p.member();
    } else {
      member = { kind: 'item', value: { type: 'boolean', value: true }, params: p.params() };
    }
    store(out, key, member);
  } while (p.separator());
  return out;
}

export function parseList(input: Binary): Member[] {
  const p = new Parser(toByteString(input));
  const out: Member[] = [];
  p.skipSpaces();
  if (p.done()) return out;
  do out.push(p.member());
  while (p.separator());
  return out;
}

export function parseItem(input: Binary): Item {
  const p = new Parser(toByteString(input));
  const item = p.item();
  if (!p.done()) fail('trailing characters', p.input, p.pos);
  return item;
}

// Serialisation. Members are joined with ", " and parameters have no spaces,
// exactly as HyperBEAM writes them.

const NEEDS_ESCAPE = /[\\"]/;

function escapeString(value: Binary): Binary {
  if (typeof value === 'string') {
    return NEEDS_ESCAPE.test(value) ? value.replace(/[\\"]/g, (c) => `\\${c}`) : value;
  }
  const text = toByteString(value).replace(/[\\"]/g, (c) => `\\${c}`);
  return fromByteString(text);
}

function serializeDecimal(value: number): string {
  const rounded = Math.round(value * 1000) / 1000;
  const text = String(rounded);
  return text.includes('.') ? text : `${text}.0`;
}

export function serializeBareItem(item: BareItem): Binary {
  switch (item.type) {
    case 'integer':
      return String(item.value);
    case 'decimal':
      return serializeDecimal(item.value);
    case 'string':
      return concatBinary(['"', escapeString(item.value), '"']);
    case 'token':
      return item.value;
    case 'binary':
      return `:${base64(item.value)}:`;
    case 'boolean':
      return item.value ? '?1' : '?0';
  }
}

function serializeParams(params: Params): Binary {
  const parts: Binary[] = [];
  for (const [key, value] of params) {
    parts.push(';', key);
    if (!(value.type === 'boolean' && value.value)) parts.push('=', serializeBareItem(value));
  }
  return concatBinary(parts);
}

export function serializeItem(item: Item): Binary {
  return concatBinary([serializeBareItem(item.value), serializeParams(item.params)]);
}

export function serializeMember(member: Member): Binary {
  if (member.kind === 'item') return serializeItem(member);
  return concatBinary([
    '(',
    concatBinary(
      member.items.flatMap((it, i) => (i === 0 ? [serializeItem(it)] : [' ', serializeItem(it)])),
    ),
    ')',
    serializeParams(member.params),
  ]);
}

export function serializeList(list: Member[]): Binary {
  return concatBinary(
    list.flatMap((m, i) => (i === 0 ? [serializeMember(m)] : [', ', serializeMember(m)])),
  );
}

export function serializeDictionary(dict: Dictionary): Binary {
  return concatBinary(
    dict.flatMap(([key, member], i) => {
      const entry = [key, '=', serializeMember(member)];
      return i === 0 ? entry : [', ', ...entry];
    }),
  );
}
