/**
 * The engine in-process: ID computation, HyperPATH parsing and resolution.
 * Baselines: raw HMAC-SHA-256 over the same signature base (the crypto an ID
 * cannot avoid), and WHATWG URL parsing of the same path.
 */
import { hmacBase } from '../src/codecs/httpsig/index.ts';
import { messageToTabm } from '../src/codecs/structured.ts';
import { hmacSha256 } from '../src/core/binary.ts';
import type { Message } from '../src/core/message.ts';
import { createContext } from '../src/defaults.ts';
import { withDirectives } from '../src/engine/context.ts';
import { parseHyperpath } from '../src/engine/hyperpath.ts';
import { unsignedMessageId } from '../src/engine/ids.ts';
import { resolve, resolveMany } from '../src/engine/resolver.ts';
import { measure, report } from './harness.ts';

const sample: Message = {
  action: 'Transfer',
  recipient: 'vcaPe4JWnrSOCktDHBgXge-zWUb6JRkqbom5w9t7i-4',
  quantity: 1000,
  tags: ['a', 'b', 3],
  nested: { note: 'hello', count: 2 },
};
const base = hmacBase(messageToTabm(sample));
const hmacBaseline = await measure('raw HMAC-SHA-256', () => hmacSha256('ao', base));

report(
  'message ID (unsigned, httpsig HMAC)',
  await measure('id', () => unsignedMessageId({ ...sample })),
  hmacBaseline,
);

const ctx = createContext();
report(
  'resolve one key (with hashpath)',
  await measure('resolve', () => resolve({ ...sample }, 'nested', ctx)),
  hmacBaseline,
);

const path = '/~message@1.0&greeting=Hello&count+integer=42/count';
report(
  'parse HyperPATH',
  await measure('parse', () => parseHyperpath(path)),
  await measure('new URL', () => new URL(`http://localhost${path}`)),
);
report(
  'parse + resolve HyperPATH',
  await measure('singleton', () =>
    resolveMany(parseHyperpath({ path }), withDirectives(ctx, { forceMessage: true })),
  ),
  hmacBaseline,
);
