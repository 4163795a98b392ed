/**
 * What a process message is and where it lives: its ID (its signature's, as
 * HyperBEAM's `hb_message:id(Process, all)`), its scheduler, and finding it.
 */
import { committersOf, withOnlyCommitted } from '../codecs/commitments.ts';
import { base64url } from '../core/binary.ts';
import {
  isId,
  isMessage,
  type Message,
  type Value,
  valueEquals,
  withoutPrivate,
} from '../core/message.ts';
import type { Context } from '../engine/context.ts';
import { messageId } from '../engine/ids.ts';

export function isProcess(msg: Value | undefined): boolean {
  return isMessage(msg) && typeof msg.type === 'string' && msg.type.toLowerCase() === 'process';
}

/** A process's ID: its signers' commitments (the unsigned ID if it has none). */
export function processIdOf(process: Message): string {
  return committersOf(process).length > 0
    ? messageId(process, { committers: 'all' })
    : messageId(process);
}

/** `<address>?hint=<url>` -> [address, url]. */
export function splitHint(value: string): [string, string | undefined] {
  const [head = '', query = ''] = value.split('?');
  const hint = /(?:^|&)hint=([^&]+)/.exec(query)?.[1];
  return [head, hint === undefined ? undefined : decodeURIComponent(hint)];
}

/**
 * The process a message's `target` names: an ID (with any `?hint=`), or the
 * 32 raw bytes an ANS-104 item's target field decodes to.
 */
export function targetId(target: Value | undefined): string | undefined {
  if (typeof target === 'string') return target === '' ? undefined : splitHint(target)[0];
  if (target instanceof Uint8Array && target.length === 32) return base64url(target);
  return undefined;
}

/**
 * The scheduler addresses a process names (`scheduler`, else
 * `scheduler-location`; a list, or comma-separated) and any location hint.
 */
export function schedulersOf(process: Message): { addresses: string[]; hint?: string } {
  const value = process.scheduler ?? process['scheduler-location'];
  const items = Array.isArray(value) ? value : [value];
  const addresses: string[] = [];
  let hint: string | undefined;
  for (const item of items) {
    if (typeof item !== 'string') continue;
    for (const part of item.split(',')) {
      const [address, given] = splitHint(part.trim());
      if (address !== '') addresses.push(address);
      hint ??= given;
    }
  }
  return hint === undefined ? { addresses } : { addresses, hint };
}

/** The process a message addressed to a process belongs to: the `process` key, or itself. */
export function processOf(state: Message): Message | undefined {
  if (isMessage(state.process)) return state.process;
  return isProcess(state) ? state : undefined;
}

/**
 * Signed processes' committed views, by process ID, kept for the next request
 * about the same process (read from the store afresh each time): a deep
 * comparison with the message they were made from is far cheaper than
 * encoding and hashing it again to find what its signatures cover.
 */
const committedViews = new Map<string, { process: Message; view: Message }>();
const COMMITTED_VIEWS = 256;

/** The process message as stored: only what its signatures cover. */
export function committedProcess(process: Message, ctx: Context): Message {
  if (committersOf(process).length === 0) return withOnlyCommitted(process, ctx.services.codecs);
  const pid = messageId(process, { committers: 'all' });
  // Private keys (a hashpath) are never committed: the view does not depend on them.
  const bare = withoutPrivate(process);
  const kept = committedViews.get(pid);
  if (kept && valueEquals(kept.process, bare)) return kept.view;
  const view = withOnlyCommitted(process, ctx.services.codecs);
  committedViews.delete(pid);
  committedViews.set(pid, { process: bare, view });
  if (committedViews.size > COMMITTED_VIEWS) {
    committedViews.delete(committedViews.keys().next().value as string);
  }
  return view;
}

/** Load a process by ID from the node's store. */
export async function loadProcess(pid: string, ctx: Context): Promise<Message | undefined> {
  if (!isId(pid)) return undefined;
  const msg = await ctx.services.messages.read(pid);
  return isMessage(msg) ? msg : undefined;
}
