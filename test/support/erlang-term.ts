/**
 * A small parser for the Erlang terms that the vector files print
 * (`#{<<"a">> => 1, <<"l">> => [1,<<"two">>,3.5,true]}`), into our values.
 */
import { canonicalBinary } from '../../src/core/binary.ts';
import { Atom, Float, type Message, type Value } from '../../src/core/message.ts';

export function parseErlang(text: string): Value {
  let pos = 0;
  const ws = () => {
    while (pos < text.length && /\s/.test(text[pos] as string)) pos++;
  };
  const expect = (s: string) => {
    ws();
    if (!text.startsWith(s, pos))
      throw new SyntaxError(`expected ${s} at ${pos}: ${text.slice(pos, pos + 20)}`);
    pos += s.length;
  };
  const quoted = (q: string): string => {
    let out = '';
    pos++;
    while (text[pos] !== q) {
      if (text[pos] === '\\') pos++;
      out += text[pos];
      pos++;
    }
    pos++;
    return out;
  };
  const term = (): Value => {
    ws();
    if (text.startsWith('#{', pos)) {
      pos += 2;
      const out: Message = {};
      ws();
      if (text[pos] === '}') {
        pos++;
        return out;
      }
      for (;;) {
        const key = term();
        expect('=>');
        out[key instanceof Atom ? key.name : String(key)] = term();
        ws();
        if (text[pos] === ',') pos++;
        else {
          expect('}');
          return out;
        }
      }
    }
    if (text[pos] === '[') {
      pos++;
      const out: Value[] = [];
      ws();
      if (text[pos] === ']') {
        pos++;
        return out;
      }
      for (;;) {
        out.push(term());
        ws();
        if (text[pos] === ',') pos++;
        else {
          expect(']');
          return out;
        }
      }
    }
    if (text.startsWith('<<', pos)) {
      pos += 2;
      ws();
      if (text.startsWith('>>', pos)) {
        pos += 2;
        return '';
      }
      if (text[pos] === '"') {
        // Text binaries may span several "..." pieces.
        let s = '';
        while (text[pos] === '"') {
          s += quoted('"');
          ws();
        }
        expect('>>');
        return canonicalBinary(Buffer.from(s, 'utf8'));
      }
      const bytes: number[] = [];
      for (;;) {
        ws();
        const m = /^\d+/.exec(text.slice(pos)) as RegExpExecArray;
        bytes.push(Number(m[0]));
        pos += m[0].length;
        ws();
        if (text[pos] === ',') pos++;
        else {
          expect('>>');
          return canonicalBinary(Uint8Array.from(bytes));
        }
      }
    }
    if (text[pos] === "'") return atom(quoted("'"));
    const num = /^-?\d+(\.\d+(e[+-]?\d+)?)?/.exec(text.slice(pos));
    if (num) {
      pos += num[0].length;
      if (num[1]) {
        const n = Number(num[0]);
        return Number.isInteger(n) ? new Float(n) : n;
      }
      return Number(num[0]);
    }
    const word = /^[a-z][A-Za-z0-9_@]*/.exec(text.slice(pos));
    if (word) {
      pos += word[0].length;
      return atom(word[0]);
    }
    throw new SyntaxError(`cannot parse at ${pos}: ${text.slice(pos, pos + 20)}`);
  };
  const atom = (name: string): Value =>
    name === 'true' ? true : name === 'false' ? false : Atom.of(name);
  const value = term();
  ws();
  if (pos !== text.length) throw new SyntaxError(`trailing text at ${pos}`);
  return value;
}
