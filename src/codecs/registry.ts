/**
 * The codec registry: codecs by name, and every conversion the rest of the
 * node needs from them, so nothing above this layer names a codec's
 * internals: to and from bytes (`serialize`/`deserialize` devices), to and
 * from HTTP (replies, requests, requests to other nodes), between codecs
 * (through TABM), and the codec behind a commitment.
 */
import { isBinary, toBytes } from '../core/binary.ts';
import { BadRequestError, NotFoundError, SignatureError } from '../core/errors.ts';
import { isMessage, type Message } from '../core/message.ts';
import type { Codec, Committer, HttpForm, Received, ReceivedHttp } from './codec.ts';
import { commitmentsOf } from './commitments.ts';
import { messageToTabm, type Tabm, tabmToMessage } from './structured.ts';

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** Scalar top-level keys, as headers (HyperBEAM sends them beside a serialised body). */
function scalarHeaders(msg: Message): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(messageToTabm(msg))) {
    if (key === 'body' || key === 'commitments' || !isBinary(value)) continue;
    const text = Buffer.from(toBytes(value)).toString('latin1');
    if (HEADER_NAME.test(key) && HEADER_VALUE.test(text) && text.length <= 4096) {
      headers[key] = text;
    }
  }
  return headers;
}

export class CodecRegistry {
  private readonly codecs = new Map<string, Codec>();

  constructor(codecs: Iterable<Codec> = []) {
    for (const codec of codecs) this.register(codec);
  }

  register(codec: Codec): this {
    this.codecs.set(codec.name.toLowerCase(), codec);
    return this;
  }

  get(name: string): Codec {
    const codec = this.codecs.get(name.toLowerCase());
    if (!codec) throw new NotFoundError('codec_not_found', `no codec named '${name}'`);
    return codec;
  }

  has(name: string): boolean {
    return this.codecs.has(name.toLowerCase());
  }

  names(): string[] {
    return [...this.codecs.keys()];
  }

  /** A codec that signs; codecs without commitments of their own commit with httpsig@1.0. */
  committer(name: string): Committer {
    const codec = this.get(name);
    if (codec.commit && codec.verify && codec.committedKeys) return codec as Committer;
    if (name.toLowerCase() !== 'httpsig@1.0') return this.committer('httpsig@1.0');
    throw new NotFoundError('no_commitments', `${name} makes no commitments`);
  }

  /** The codec behind one of a message's commitments (default httpsig@1.0). */
  forCommitment(msg: Message, id: string): Committer {
    const commitment = commitmentsOf(msg)[id];
    if (!isMessage(commitment)) {
      throw new NotFoundError('commitment_not_found', `the message has no commitment ${id}`);
    }
    const device = commitment['commitment-device'];
    return this.committer(typeof device === 'string' ? device : 'httpsig@1.0');
  }

  /** Convert a value from one codec's wire form to another's, through TABM. */
  convert(value: unknown, to: string, from = 'structured@1.0'): unknown {
    const tabm: Tabm = from === 'tabm' ? (value as Tabm) : this.get(from).toTabm(value);
    return to === 'tabm' ? tabm : this.get(to).fromTabm(tabm);
  }

  /** A message in a codec's byte form. */
  toBytes(name: string, msg: Message): Uint8Array {
    const codec = this.get(name);
    const wire = codec.fromTabm(messageToTabm(msg));
    const bytes = codec.serialize ? codec.serialize(wire) : wire;
    if (!isBinary(bytes))
      throw new BadRequestError('no_byte_form', `${codec.name} has no byte form`);
    return toBytes(bytes);
  }

  /** Bytes in a codec's form, as a message. */
  fromBytes(name: string, bytes: Uint8Array): Message {
    const codec = this.get(name);
    if (!codec.deserialize) {
      throw new BadRequestError('no_byte_form', `${codec.name} has no byte form to read`);
    }
    return tabmToMessage(codec.toTabm(codec.deserialize(bytes)));
  }

  /** A message in HTTP form: the codec's own, else its bytes with the scalar keys as headers. */
  toHttp(name: string, msg: Message): HttpForm {
    const codec = this.get(name);
    if (codec.toHttp) return codec.toHttp(msg);
    return {
      headers: {
        ...scalarHeaders(msg),
        'codec-device': codec.name,
        'content-type': codec.contentType ?? 'application/octet-stream',
      },
      body: this.toBytes(name, msg),
    };
  }

  /**
   * A received HTTP message. Signatures the codec checks over the bytes are
   * checked there; any other commitment naming a committer (another codec's,
   * carried inside) is verified here. Only a real signature can name a
   * committer: an HMAC commitment claiming one is a forgery.
   */
  async fromHttp(name: string, http: ReceivedHttp): Promise<Received> {
    const codec = this.get(name);
    const received = codec.fromHttp
      ? codec.fromHttp(http)
      : { message: this.fromBytes(name, http.body), verified: [] };
    const { message, verified } = received;
    for (const [id, c] of Object.entries(commitmentsOf(message))) {
      if (!isMessage(c) || c.committer === undefined || verified.includes(id)) continue;
      const forged =
        c.alg === 'hmac-sha256' || !(await this.forCommitment(message, id).verify(message, id));
      if (forged) {
        throw new SignatureError(
          'invalid_signature',
          `The request's signature by ${String(c.committer)} does not verify.`,
        );
      }
    }
    return received;
  }
}
