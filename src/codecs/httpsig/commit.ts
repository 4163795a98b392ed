/**
 * httpsig@1.0 commitments: the HMAC commitment (the unsigned ID) and, given a
 * wallet, RSA-PSS signatures. Committed keys are read back from a
 * commitment's `signature-input`.
 */
import { byteLength, isBinary } from '../../core/binary.ts';
import { BadRequestError } from '../../core/errors.ts';
import { isMessage, type Message, omit } from '../../core/message.ts';
import type { CommitmentScheme } from '../commitments.ts';
import { messageToTabm, parseAoTypes, type Tabm, tabmToMessage } from '../structured.ts';
import { parseList } from '../structured-fields.ts';
import { tabmToHttp } from './encode.ts';
import { HMAC_ALG, HTTPSIG, resetHmac } from './hmac.ts';
import { componentsOf, itemText, stripAt } from './signature-base.ts';

function commitmentOf(msg: Message, id: string): Message {
  const c = isMessage(msg.commitments) ? msg.commitments[id] : undefined;
  if (!isMessage(c)) throw new BadRequestError('commitment_not_found', `no commitment ${id}`);
  return c;
}

/** Recompute the message's HMAC commitment and compare IDs. */
function verifyHmac(msg: Message, id: string): boolean {
  const recomputed = resetHmac(messageToTabm(msg));
  const commitment = (recomputed.commitments as Tabm)[id];
  return isMessage(commitment) && commitment.alg === HMAC_ALG;
}

export function committedKeys(msg: Message, id: string): string[] {
  const input = commitmentOf(msg, id)['signature-input'];
  if (!isBinary(input)) return [];
  const components = componentsOf(input).map(stripAt);
  const keys = new Set(['signature', 'signature-input', ...components]);
  const encoded = tabmToHttp(messageToTabm(omit(msg, ['commitments'])));
  if (keys.has('ao-types')) {
    for (const [key, type] of parseAoTypes(encoded['ao-types'])) {
      if (type.startsWith('empty-')) keys.add(key);
    }
  }
  if (keys.has('content-digest')) {
    keys.add('body');
    keys.add('inline-body-key');
    const inline = encoded['inline-body-key'];
    if (typeof inline === 'string' && byteLength(inline) > 0) keys.add(inline);
    const bodyKeys = encoded['body-keys'];
    if (bodyKeys !== undefined) {
      for (const member of parseList(bodyKeys)) {
        if (member.kind === 'item') keys.add(itemText(member).split('/')[0] as string);
      }
    }
  }
  return [...keys].sort();
}

export const httpsigScheme: CommitmentScheme = {
  device: HTTPSIG,
  commit(msg) {
    return tabmToMessage(resetHmac(messageToTabm(msg)));
  },
  verify(msg, id) {
    const commitment = commitmentOf(msg, id);
    if (commitment.alg === HMAC_ALG) return verifyHmac(msg, id);
    throw new BadRequestError(
      'unsupported_alg',
      `cannot verify ${String(commitment.alg)} commitments`,
    );
  },
  committedKeys,
};
