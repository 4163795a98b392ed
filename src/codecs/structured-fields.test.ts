/**
 * HyperBEAM's structured-field dialect (hb_structured_fields, codecs.md §1.6):
 * RFC 8941 parsing with HyperBEAM's extensions (dictionary keys starting with
 * digits, `%xx` or upper case; tokens with `:` and `/`), HyperBEAM's
 * serialisation (`", "` separators, no spaces in parameters, standard base64
 * with padding), and CodecError('bad_structured_field') on malformed input.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  type BareItem,
  bytesItem,
  type Dictionary,
  type Item,
  type Member,
  parseDictionary,
  parseItem,
  parseList,
  serializeBareItem,
  serializeDictionary,
  serializeItem,
  serializeList,
  serializeMember,
  str,
} from './structured-fields.ts';

const bad = { name: 'CodecError', code: 'bad_structured_field' };

const item = (value: BareItem, params: Item['params'] = []): Item => ({
  kind: 'item',
  value,
  params,
});
const int = (value: number): BareItem => ({ type: 'integer', value });
const dec = (value: number): BareItem => ({ type: 'decimal', value });
const tok = (value: string): BareItem => ({ type: 'token', value });
const bool = (value: boolean): BareItem => ({ type: 'boolean', value });
const s = (value: string): BareItem => ({ type: 'string', value });
const bytes = (...b: number[]): BareItem => ({ type: 'binary', value: Uint8Array.from(b) });

/** The bare value of a parsed single item. */
const bare = (input: string | Uint8Array): BareItem => parseItem(input).value;

describe('parseDictionary', () => {
  it('parses an empty field as an empty dictionary', () => {
    assert.deepEqual(parseDictionary(''), []);
    assert.deepEqual(parseDictionary(new Uint8Array()), []);
  });

  it('accepts keys that start with a digit (ao-types of numbered lists)', () => {
    assert.deepEqual(parseDictionary('1="list", 2="integer"'), [
      ['1', item(s('list'))],
      ['2', item(s('integer'))],
    ]);
  });

  it('accepts keys holding %xx escapes, keeping them escaped', () => {
    assert.deepEqual(parseDictionary('%41bc="x", a%20b="y", %c3%a9="z"'), [
      ['%41bc', item(s('x'))],
      ['a%20b', item(s('y'))],
      ['%c3%a9', item(s('z'))],
    ]);
  });

  it('accepts keys with upper-case letters and keeps their case (ao-ids)', () => {
    const id = 'vcaPe4JWnrSOCktDHBgXge-zWUb6JRkqbom5w9t7i-4';
    assert.deepEqual(parseDictionary(`${id}="value", Zeta=1`), [
      [id, item(s('value'))],
      ['Zeta', item(int(1))],
    ]);
  });

  it('accepts keys starting with *, _ and - and holding . and *', () => {
    assert.deepEqual(
      parseDictionary('*a=1, _b.c=2, -d*=3').map(([k]) => k),
      ['*a', '_b.c', '-d*'],
    );
  });

  it('accepts ", ", "," and tabs between members', () => {
    const expected = [
      ['a', item(int(1))],
      ['b', item(int(2))],
      ['c', item(int(3))],
    ];
    assert.deepEqual(parseDictionary('a=1, b=2, c=3'), expected);
    assert.deepEqual(parseDictionary('a=1,b=2,c=3'), expected);
    assert.deepEqual(parseDictionary('a=1 ,\tb=2\t,  c=3'), expected);
  });

  it('reads a key without a value as boolean true, with its parameters', () => {
    assert.deepEqual(parseDictionary('a;x;y=2, b'), [
      [
        'a',
        item(bool(true), [
          ['x', bool(true)],
          ['y', int(2)],
        ]),
      ],
      ['b', item(bool(true))],
    ]);
  });

  it('keeps the first position but the last value of a repeated key', () => {
    assert.deepEqual(parseDictionary('a=1, b=2, a=3'), [
      ['a', item(int(3))],
      ['b', item(int(2))],
    ]);
  });

  it('parses inner lists with item and list parameters (signature-input)', () => {
    const parsed = parseDictionary('sig=("a" "@path" tok);alg="rsa-pss-sha512";keyid="k"');
    assert.deepEqual(parsed, [
      [
        'sig',
        {
          kind: 'inner',
          items: [item(s('a')), item(s('@path')), item(tok('tok'))],
          params: [
            ['alg', s('rsa-pss-sha512')],
            ['keyid', s('k')],
          ],
        },
      ],
    ]);
  });

  it('parses byte-sequence members (signature, content-digest)', () => {
    assert.deepEqual(parseDictionary('sha-256=:AQID:'), [['sha-256', item(bytes(1, 2, 3))]]);
  });

  for (const [what, input] of [
    ['a trailing comma', 'a=1,'],
    ['a trailing comma and space', 'a=1, '],
    ['leading whitespace', ' a=1'],
    ['members without a comma', 'a=1 b=2'],
    ['an empty key', '=1'],
    ['a key starting with @', '@a=1'],
    ['a key starting with a dot', '.a=1'],
    ['a key holding /', 'a/b=1'],
    ['a key holding +', 'a+b=1'],
    ['a non-ASCII key', 'é=1'],
    ['a missing value', 'a='],
    ['an unterminated string', 'a="x'],
    ['an unterminated inner list', 'a=(1 2'],
    ['two commas', 'a=1,,b=2'],
  ] as const) {
    it(`rejects ${what}`, () => {
      assert.throws(() => parseDictionary(input), bad);
    });
  }
});

describe('parseItem: integers and decimals', () => {
  it('parses integers of up to 15 digits, either sign', () => {
    assert.deepEqual(bare('0'), int(0));
    assert.deepEqual(bare('42'), int(42));
    assert.deepEqual(bare('-7'), int(-7));
    assert.deepEqual(bare('999999999999999'), int(999_999_999_999_999));
    assert.deepEqual(bare('-999999999999999'), int(-999_999_999_999_999));
    assert.deepEqual(bare('000000000000001'), int(1));
  });

  it('rejects integers of 16 digits or more (hb_structured_fields:parse_number/3)', () => {
    assert.throws(() => parseItem('1000000000000000'), bad);
    assert.throws(() => parseItem('-1000000000000000'), bad);
    assert.throws(() => parseItem('0000000000000001'), bad);
    assert.throws(() => parseItem('12345678901234567890'), bad);
  });

  it('parses decimals with up to 12 integer and 3 fraction digits', () => {
    assert.deepEqual(bare('1.5'), dec(1.5));
    assert.deepEqual(bare('-0.25'), dec(-0.25));
    assert.deepEqual(bare('123456789012.123'), dec(123456789012.123));
  });

  it('drops trailing fraction zeros when parsing decimals', () => {
    assert.deepEqual(bare('1.500'), dec(1.5));
    assert.deepEqual(bare('2.0'), dec(2));
  });

  for (const input of ['1234567890123.1', '1.1234', '1.', '-', '-.5', '--1', '1.2.3']) {
    it(`rejects the number ${JSON.stringify(input)}`, () => {
      assert.throws(() => parseItem(input), bad);
    });
  }
});

describe('parseItem: strings', () => {
  it('unescapes \\" and \\\\', () => {
    assert.deepEqual(bare('"a\\"b\\\\c"'), s('a"b\\c'));
    assert.deepEqual(bare('""'), s(''));
  });

  it('rejects any other escape', () => {
    assert.throws(() => parseItem('"a\\nb"'), bad);
    assert.throws(() => parseItem('"a\\'), bad);
  });

  it('rejects unterminated strings', () => {
    assert.throws(() => parseItem('"abc'), bad);
    assert.throws(() => parseItem('"abc\\"'), bad);
  });

  it('keeps UTF-8 text as a JS string', () => {
    assert.deepEqual(bare('"héllo ✓"'), s('héllo ✓'));
  });

  it('keeps raw non-UTF-8 bytes as a Uint8Array', () => {
    const parsed = bare(Uint8Array.from([0x22, 0xff, 0x00, 0x41, 0x22]));
    assert.equal(parsed.type, 'string');
    assert.deepEqual(parsed.value, Uint8Array.from([0xff, 0x00, 0x41]));
  });
});

describe('parseItem: tokens, byte sequences, booleans', () => {
  it('parses tokens, including HyperBEAM-dialect : and /', () => {
    assert.deepEqual(bare('inline'), tok('inline'));
    assert.deepEqual(bare('multipart/form-data'), tok('multipart/form-data'));
    assert.deepEqual(bare('a:b/c'), tok('a:b/c'));
    assert.deepEqual(bare('*tok'), tok('*tok'));
    assert.deepEqual(bare("A!#$%&'*+-.^_`|~9"), tok("A!#$%&'*+-.^_`|~9"));
  });

  it('parses standard base64 byte sequences with padding', () => {
    assert.deepEqual(bare(':aGVsbG8=:'), bytes(...Buffer.from('hello')));
    assert.deepEqual(bare(':+/8=:'), bytes(0xfb, 0xff));
    assert.deepEqual(bare('::'), bytes());
  });

  it('also reads the base64url alphabet, as clients mix them', () => {
    assert.deepEqual(bare(':-_8=:'), bytes(0xfb, 0xff));
  });

  for (const input of [':aGVs bG8=:', ':aGVsbG8=', ':a=b=:', ':ab$c:', ':aGk=;']) {
    it(`rejects the byte sequence ${JSON.stringify(input)}`, () => {
      assert.throws(() => parseItem(input), bad);
    });
  }

  it('parses ?0 and ?1 and nothing else', () => {
    assert.deepEqual(bare('?1'), bool(true));
    assert.deepEqual(bare('?0'), bool(false));
    assert.throws(() => parseItem('?2'), bad);
    assert.throws(() => parseItem('?'), bad);
  });
});

describe('parseItem: parameters and framing', () => {
  it('parses parameters, boolean when valueless, allowing spaces after ;', () => {
    assert.deepEqual(parseItem('form-data;name="x"; flag;n=1'), {
      kind: 'item',
      value: tok('form-data'),
      params: [
        ['name', s('x')],
        ['flag', bool(true)],
        ['n', int(1)],
      ],
    });
  });

  it('keeps the last value of a repeated parameter', () => {
    assert.deepEqual(parseItem('a;k=1;k=2').params, [['k', int(2)]]);
  });

  it('rejects parameter keys that do not start with a lower-case letter or *', () => {
    assert.throws(() => parseItem('a;B=1'), bad);
    assert.throws(() => parseItem('a;1=1'), bad);
    assert.throws(() => parseItem('a;=1'), bad);
  });

  it('rejects leading and trailing characters', () => {
    assert.throws(() => parseItem(' 1'), bad);
    assert.throws(() => parseItem('1 '), bad);
    assert.throws(() => parseItem('1, 2'), bad);
    assert.throws(() => parseItem('1abc'), bad);
  });

  it('rejects empty input and characters that start no bare item', () => {
    for (const input of ['', '@x', '(a)', ')', '=', '.5']) {
      assert.throws(() => parseItem(input), bad, input);
    }
  });
});

describe('parseList', () => {
  it('parses items, parameters and inner lists, skipping leading spaces', () => {
    assert.deepEqual(parseList('  1, "two" ,\t(a b);q, ?0;x=tok'), [
      item(int(1)),
      item(s('two')),
      { kind: 'inner', items: [item(tok('a')), item(tok('b'))], params: [['q', bool(true)]] },
      item(bool(false), [['x', tok('tok')]]),
    ]);
  });

  it('parses empty input and empty inner lists', () => {
    assert.deepEqual(parseList(''), []);
    assert.deepEqual(parseList('   '), []);
    assert.deepEqual(parseList('()'), [{ kind: 'inner', items: [], params: [] }]);
    assert.deepEqual(parseList('( )'), [{ kind: 'inner', items: [], params: [] }]);
  });

  it('parses the typed-list encoding of structured@1.0', () => {
    const list = parseList('"(ao-type-integer) 1", "two", "(ao-type-atom) \\"true\\""');
    assert.deepEqual(list, [
      item(s('(ao-type-integer) 1')),
      item(s('two')),
      item(s('(ao-type-atom) "true"')),
    ]);
  });

  for (const input of ['1,,2', '1,', '1 2', '(a', '(a,b)', '(a b', '"x', ')']) {
    it(`rejects ${JSON.stringify(input)}`, () => {
      assert.throws(() => parseList(input), bad);
    });
  }
});

describe('serialisation', () => {
  it('joins dictionary members with ", " and writes key=value', () => {
    const dict: Dictionary = [
      ['a', str('x')],
      ['b', item(bool(true))],
      ['1', item(int(-3))],
    ];
    assert.equal(serializeDictionary(dict), 'a="x", b=?1, 1=-3');
  });

  it('writes upper-case and escaped keys as they are (ao-ids, ao-types)', () => {
    assert.equal(
      serializeDictionary([
        ['AbC', str('v')],
        ['%41b', str('integer')],
      ]),
      'AbC="v", %41b="integer"',
    );
  });

  it('joins list members with ", "', () => {
    assert.equal(serializeList([str('a'), item(int(1)), item(tok('t'))]), '"a", 1, t');
  });

  it('writes inner lists as (a b) and parameters with no spaces', () => {
    const member: Member = {
      kind: 'inner',
      items: [str('a'), str('@path')],
      params: [
        ['alg', s('hmac-sha256')],
        ['keyid', s('ao')],
        ['flag', bool(true)],
        ['off', bool(false)],
      ],
    };
    assert.equal(serializeMember(member), '("a" "@path");alg="hmac-sha256";keyid="ao";flag;off=?0');
    assert.equal(serializeMember({ kind: 'inner', items: [], params: [] }), '()');
  });

  it('writes item parameters after the bare item', () => {
    assert.equal(serializeItem(item(tok('form-data'), [['name', s('x')]])), 'form-data;name="x"');
  });

  it('escapes " and \\ in strings', () => {
    assert.equal(serializeItem(str('a"b\\c')), '"a\\"b\\\\c"');
  });

  it('keeps raw bytes in strings, escaping only " and \\', () => {
    const out = serializeBareItem({ type: 'string', value: Uint8Array.from([0xff, 0x22, 0x5c]) });
    assert.deepEqual(out, Uint8Array.from([0x22, 0xff, 0x5c, 0x22, 0x5c, 0x5c, 0x22]));
  });

  it('writes byte sequences as standard base64 with padding', () => {
    assert.equal(serializeItem(bytesItem(Uint8Array.from([0xfb, 0xff]))), ':+/8=:');
    assert.equal(serializeItem(bytesItem(Buffer.from('hello'))), ':aGVsbG8=:');
    assert.equal(serializeItem(bytesItem(new Uint8Array())), '::');
  });

  it('writes decimals with a fraction, rounded to three digits', () => {
    assert.equal(serializeBareItem(dec(1.5)), '1.5');
    assert.equal(serializeBareItem(dec(2)), '2.0');
    assert.equal(serializeBareItem(dec(-1.25)), '-1.25');
    assert.equal(serializeBareItem(dec(0.1234)), '0.123');
  });

  it('writes integers, tokens and booleans verbatim', () => {
    assert.equal(serializeBareItem(int(-42)), '-42');
    assert.equal(serializeBareItem(tok('a:b/c')), 'a:b/c');
    assert.equal(serializeBareItem(bool(true)), '?1');
    assert.equal(serializeBareItem(bool(false)), '?0');
  });

  it('writes empty dictionaries and lists as empty fields', () => {
    assert.equal(serializeDictionary([]), '');
    assert.equal(serializeList([]), '');
  });
});

describe('serialise then parse', () => {
  // Keys in HyperBEAM's dictionary-key grammar, including digits and upper case.
  const dictKey = fc.stringMatching(/^[a-zA-Z0-9*%_-][a-zA-Z0-9_.*%-]{0,10}$/);
  const paramKey = fc.stringMatching(/^[a-z*][a-z0-9_.*-]{0,6}$/);
  const bareItem: fc.Arbitrary<BareItem> = fc.oneof(
    fc.integer({ min: -999_999_999_999_999, max: 999_999_999_999_999 }).map(int),
    fc.integer({ min: -999_999_999, max: 999_999_999 }).map((n) => dec(n / 1000)),
    fc.string({ unit: 'grapheme', maxLength: 12 }).map(s),
    fc.stringMatching(/^[a-zA-Z*][a-zA-Z0-9!#$%&'*+.^_`|~:/-]{0,8}$/).map(tok),
    fc.uint8Array({ maxLength: 12 }).map((b): BareItem => ({ type: 'binary', value: b })),
    fc.boolean().map(bool),
  );
  const params = fc.uniqueArray(fc.tuple(paramKey, bareItem), {
    maxLength: 3,
    selector: ([k]) => k,
  });
  const anItem = fc.tuple(bareItem, params).map(([v, p]) => item(v, p));
  const member: fc.Arbitrary<Member> = fc.oneof(
    anItem,
    fc
      .tuple(fc.array(anItem, { maxLength: 3 }), params)
      .map(([items, p]): Member => ({ kind: 'inner', items, params: p })),
  );

  it('gives back every dictionary', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(dictKey, member), { maxLength: 5, selector: ([k]) => k }),
        (dict) => {
          assert.deepEqual(parseDictionary(serializeDictionary(dict)), dict);
        },
      ),
      { numRuns: 300, seed: 8941 },
    );
  });

  it('gives back every list', () => {
    fc.assert(
      fc.property(fc.array(member, { maxLength: 5 }), (list) => {
        assert.deepEqual(parseList(serializeList(list)), list);
      }),
      { numRuns: 300, seed: 9651 },
    );
  });
});
