/**
 * One request to the several nodes a route chose (HyperBEAM's
 * hb_http:multirequest). The route (or the request, as `multirequest-<key>`)
 * says how:
 *   responses     how many admissible replies are wanted (1)
 *   stop-after    stop once that many came (true)
 *   parallel      false: one node after another; true: all at once; a
 *                 number: that many at a time
 *   accept-status the statuses that are admissible (admissible-status too;
 *                 default: any reply)
 * A node that does not answer is skipped; with no admissible reply, the last
 * failure is thrown (else a 502 `no_viable_responses`).
 */
import { HbError } from '../core/errors.ts';
import { isMessage, type Message, type Value } from '../core/message.ts';
import type { ClientResponse } from './http-client.ts';

export interface MultiOptions {
  responses: number;
  stopAfter: boolean;
  /** How many requests run at once. */
  concurrency: number;
  admissible: (status: number) => boolean;
}

const keyOf = (route: Message | undefined, req: Message, key: string): Value | undefined =>
  req[`multirequest-${key}`] ?? route?.[key];

/** The options of a route (and a request's `multirequest-` overrides), for `count` nodes. */
export function multiOptions(
  route: Message | undefined,
  req: Message,
  count: number,
): MultiOptions {
  const responses = Math.max(1, Number(keyOf(route, req, 'responses') ?? 1) || 1);
  const stop = keyOf(route, req, 'stop-after');
  const parallel = keyOf(route, req, 'parallel');
  const concurrency =
    parallel === true || parallel === 'true'
      ? count
      : Number.isSafeInteger(Number(parallel)) && Number(parallel) > 0
        ? Number(parallel)
        : 1;
  const statuses = keyOf(route, req, 'accept-status') ?? keyOf(route, req, 'admissible-status');
  const accepted = Array.isArray(statuses)
    ? statuses.map(Number)
    : statuses === undefined || statuses === 'all'
      ? undefined
      : isMessage(statuses)
        ? Object.values(statuses).map(Number)
        : String(statuses)
            .split(',')
            .map((s) => Number(s.trim()));
  return {
    responses,
    stopAfter: stop !== false && stop !== 'false',
    concurrency,
    admissible: (status) => accepted === undefined || accepted.includes(status),
  };
}

/** Send to each URL as `options` say; the admissible replies, in the order they came. */
export async function multirequest(
  urls: readonly string[],
  send: (url: string) => Promise<ClientResponse>,
  options: MultiOptions,
): Promise<ClientResponse[]> {
  const replies: ClientResponse[] = [];
  let lastError: unknown;
  let next = 0;
  const enough = () => options.stopAfter && replies.length >= options.responses;
  // Enough replies answer at once: requests still under way are not waited for.
  let done: () => void = () => undefined;
  const enoughCame = new Promise<void>((resolve) => {
    done = resolve;
  });
  const worker = async () => {
    while (next < urls.length && !enough()) {
      const url = urls[next++] as string;
      try {
        const res = await send(url);
        if (options.admissible(res.status) && !enough()) replies.push(res);
        if (enough()) done();
      } catch (error) {
        lastError = error;
      }
    }
  };
  const workers = Array.from({ length: Math.min(options.concurrency, urls.length) }, worker);
  await Promise.race([Promise.all(workers), enoughCame]);
  if (replies.length > 0) return replies.slice(0, options.responses);
  if (lastError) throw lastError;
  throw new HbError('no_viable_responses', 'No node gave an admissible reply.', { status: 502 });
}
