/**
 * `cron@1.0`: requests the node makes to itself (HyperBEAM's dev_cron).
 *   /~cron@1.0/once?cron-path=<path>                 run <path> once, now
 *   /~cron@1.0/every?cron-path=<path>&interval=10-seconds   run it every interval
 *   /~cron@1.0/stop?task=<id>                        stop a task
 * A task runs like an HTTP request to the node (hooks included); the answer to
 * `once`/`every` is the task ID. Tasks are kept in the store (`cron/<id>`), so
 * they carry on after a restart until stopped. Units: millisecond(s),
 * second(s), minute(s), hour(s), day(s). Driving a process:
 * `every?cron-path=/<pid>~process@1.0/now&interval=1-minute`.
 */

import { isMessage, type Message, omit } from '../core/message.ts';
import type { MessageStore, Opts } from '../engine/context.ts';
import { defineDevice, error, ok } from '../engine/device.ts';
import { log } from '../node/log.ts';
import { handle } from '../node/pipeline.ts';

const UNITS: Record<string, number> = {
  millisecond: 1,
  second: 1_000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
};

/** `10-seconds` -> 10000 ms. */
export function parseInterval(text: string): number | undefined {
  const match = /^(\d+)-([a-z]+?)s?$/.exec(text.trim().toLowerCase());
  const unit = match ? UNITS[match[2] as string] : undefined;
  return match && unit ? Number(match[1]) * unit : undefined;
}

interface Running {
  timer?: NodeJS.Timeout;
  stopped: boolean;
}

const tasks = new WeakMap<MessageStore, Map<string, Running>>();

function tasksOf(opts: Opts): Map<string, Running> {
  const store = opts.store as MessageStore;
  let map = tasks.get(store);
  if (!map) {
    map = new Map();
    tasks.set(store, map);
  }
  return map;
}

/** Run a task's request through the node, as an HTTP request would be. */
async function runTask(task: Message, opts: Opts): Promise<void> {
  const node = opts.node?.opts ?? opts;
  const request: Message = {
    ...omit(task, ['cron-path', 'interval', 'kind']),
    path: String(task['cron-path']),
    method: 'GET',
  };
  try {
    const result = await handle(request, node);
    log(node, 'cron', `${request.path} -> ${String(result.status)}`);
  } catch (err) {
    log(node, 'http_error', `cron task ${request.path}: ${(err as Error).message}`);
  }
}

function start(id: string, task: Message, opts: Opts): void {
  const running: Running = { stopped: false };
  tasksOf(opts).set(id, running);
  if (task.kind === 'once') {
    running.timer = setTimeout(async () => {
      await runTask(task, opts);
      running.stopped = true;
      await opts.store?.link?.(id, `cron-done/${id}`);
    }, 0);
    return;
  }
  const interval = parseInterval(String(task.interval)) ?? 60_000;
  const loop = async () => {
    if (running.stopped) return;
    await runTask(task, opts);
    if (!running.stopped) running.timer = setTimeout(loop, interval);
  };
  running.timer = setTimeout(loop, 0);
}

async function create(kind: 'once' | 'every', req: Message, opts: Opts) {
  const path = req['cron-path'];
  if (typeof path !== 'string' || path === '')
    return error({ status: 400, body: 'No cron path found in message.' });
  if (kind === 'every' && parseInterval(String(req.interval ?? '')) === undefined) {
    return error({
      status: 400,
      body: 'interval must be like 10-seconds (ms, second, minute, hour, day).',
    });
  }
  const task: Message = { ...omit(req, ['path', 'method', 'commitments', 'priv']), kind };
  const id = await opts.store?.write(task);
  if (!id) return error({ status: 500, body: 'The node has no store for tasks.' });
  await opts.store?.link?.(id, `cron/${id}`);
  start(id, task, opts);
  return ok(id);
}

async function isFinished(id: string, opts: Opts): Promise<boolean> {
  const store = opts.store;
  return (
    (await store?.read(`cron-done/${id}`)) !== undefined ||
    (await store?.read(`cron-stopped/${id}`)) !== undefined
  );
}

export const cronDevice = defineDevice({
  name: 'cron@1.0',
  exports: ['once', 'every', 'stop'],
  volatile: ['once', 'every', 'stop'],
  keys: {
    once: (_base, req, opts) => create('once', req, opts),
    every: (_base, req, opts) => create('every', req, opts),
    async stop(_base, req, opts) {
      const id = req.task;
      const running = typeof id === 'string' ? tasksOf(opts).get(id) : undefined;
      if (typeof id !== 'string' || !running)
        return error({ status: 404, body: 'Task not found.' });
      running.stopped = true;
      clearTimeout(running.timer);
      tasksOf(opts).delete(id);
      await opts.store?.link?.(id, `cron-stopped/${id}`);
      return ok({ status: 200, body: { message: 'Task stopped successfully', task_id: id } });
    },
  },
  /** Resume the tasks kept in the store. */
  async start(opts) {
    const ids = (await opts.store?.list?.('cron')) ?? [];
    for (const id of ids) {
      if (tasksOf(opts).has(id) || (await isFinished(id, opts))) continue;
      const task = await opts.store?.read(id);
      if (isMessage(task)) start(id, task, opts);
    }
  },
  stop(opts) {
    for (const running of tasksOf(opts).values()) {
      running.stopped = true;
      clearTimeout(running.timer);
    }
    tasksOf(opts).clear();
  },
});
