/**
 * RSA keys in Erlang's External Term Format, as HyperBEAM's green zones
 * exchange them (trust.md §3.7): the public key `{{rsa, 65537}, N}` and the
 * private tuple `{{rsa, 65537}, D, N}`, N and D as big-endian binaries.
 * Written as OTP 26+ writes them (atoms as SMALL_ATOM_UTF8_EXT); read in
 * either atom form, since OTP 25 and earlier write ATOM_EXT. Only these two
 * shapes are read: anything else is refused, never interpreted.
 */
import { ByteCursor } from '../core/byte-cursor.ts';
import { BadRequestError } from '../core/errors.ts';

const VERSION = 0x83;
const SMALL_TUPLE = 0x68;
const SMALL_INTEGER = 0x61;
const INTEGER = 0x62;
const BINARY = 0x6d;
const SMALL_ATOM_UTF8 = 0x77;
const ATOM = 0x64;

export interface EtfRsaKey {
  readonly exponent: number;
  readonly modulus: Uint8Array;
  /** The private exponent, for the private tuple. */
  readonly privateExponent?: Uint8Array;
}

const refuse = (why: string): never => {
  throw new BadRequestError('bad_etf_key', `not an Erlang RSA key term: ${why}`);
};

function binary(bytes: Uint8Array): Buffer {
  const head = Buffer.alloc(5);
  head[0] = BINARY;
  head.writeUInt32BE(bytes.length, 1);
  return Buffer.concat([head, bytes]);
}

function keyType(exponent: number): Buffer {
  const e = Buffer.alloc(5);
  e[0] = INTEGER;
  e.writeInt32BE(exponent, 1);
  return Buffer.concat([Buffer.of(SMALL_TUPLE, 2, SMALL_ATOM_UTF8, 3), Buffer.from('rsa'), e]);
}

/** `term_to_binary({{rsa, E}, N})`. */
export function encodePublicKey(modulus: Uint8Array, exponent = 65537): Buffer {
  return Buffer.concat([Buffer.of(VERSION, SMALL_TUPLE, 2), keyType(exponent), binary(modulus)]);
}

/** `term_to_binary({{rsa, E}, D, N})`. */
export function encodePrivateKey(
  privateExponent: Uint8Array,
  modulus: Uint8Array,
  exponent = 65537,
): Buffer {
  return Buffer.concat([
    Buffer.of(VERSION, SMALL_TUPLE, 3),
    keyType(exponent),
    binary(privateExponent),
    binary(modulus),
  ]);
}

class Reader extends ByteCursor {
  constructor(bytes: Uint8Array) {
    super(bytes, () => refuse('it ends early'));
  }
  u32(): number {
    return Buffer.from(this.take(4)).readUInt32BE(0);
  }
  tuple(arity: number): void {
    if (this.byte() !== SMALL_TUPLE || this.byte() !== arity) refuse(`no ${arity}-tuple`);
  }
  atom(): string {
    const tag = this.byte();
    if (tag === SMALL_ATOM_UTF8) return Buffer.from(this.take(this.byte())).toString('utf8');
    if (tag === ATOM) return Buffer.from(this.take((this.byte() << 8) | this.byte())).toString();
    return refuse('no atom');
  }
  integer(): number {
    const tag = this.byte();
    if (tag === SMALL_INTEGER) return this.byte();
    if (tag === INTEGER) return Buffer.from(this.take(4)).readInt32BE(0);
    return refuse('no integer');
  }
  binary(): Uint8Array {
    if (this.byte() !== BINARY) refuse('no binary');
    return this.take(this.u32());
  }
}

/** A public key term, or (arity 3) a private tuple. */
export function decodeRsaKey(bytes: Uint8Array): EtfRsaKey {
  const r = new Reader(bytes);
  if (r.byte() !== VERSION) refuse('no version byte');
  if (r.byte() !== SMALL_TUPLE) refuse('no tuple');
  const arity = r.byte();
  if (arity !== 2 && arity !== 3) refuse(`a tuple of ${arity}`);
  r.tuple(2);
  if (r.atom() !== 'rsa') refuse('the key type is not rsa');
  const exponent = r.integer();
  const privateExponent = arity === 3 ? r.binary() : undefined;
  const modulus = r.binary();
  if (r.at !== bytes.length) refuse('bytes follow the term');
  if (modulus.length === 0) refuse('an empty modulus');
  return { exponent, modulus, privateExponent };
}
