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
import type { Context, Lifecycle } from '../engine/context.ts';
import { defineDevice, fail, ok } from '../engine/device.ts';
import { log } from '../engine/log.ts';

declare module '../engine/context.ts' {
  interface Services {
    readonly cron: CronTasks;
  }
}

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

/** Run a task's request through the node, as an HTTP request would be. */
async function runTask(task: Message, ctx: Context): Promise<void> {
  const request: Message = {
    ...omit(task, ['cron-path', 'interval', 'kind']),
    path: String(task['cron-path']),
    method: 'GET',
  };
  try {
    if (!ctx.node) throw new Error('no running node to run it on');
    const result = await ctx.node.dispatch(request);
    log(ctx.config, 'cron', `${request.path} -> ${String(result.status)}`);
  } catch (err) {
    log(ctx.config, 'http_error', `cron task ${request.path}: ${(err as Error).message}`);
  }
}

async function isFinished(id: string, ctx: Context): Promise<boolean> {
  const store = ctx.services.messages;
  return (
    (await store.read(`cron-done/${id}`)) !== undefined ||
    (await store.read(`cron-stopped/${id}`)) !== undefined
  );
}

/** The node's running tasks (the `cron` service): resumed at start, stopped with the node. */
export class CronTasks implements Lifecycle {
  private readonly tasks = new Map<string, Running>();

  /** Run a task (kept in the store as `id`) through the context's node. */
  run(id: string, task: Message, request: Context): void {
    // Not the request's context: a task outlives it.
    const { config, services, node } = request;
    const ctx: Context = { config, services, directives: {}, ...(node ? { node } : {}) };
    const running: Running = { stopped: false };
    this.tasks.set(id, running);
    if (task.kind === 'once') {
      running.timer = setTimeout(async () => {
        await runTask(task, ctx);
        running.stopped = true;
        await ctx.services.messages.link(id, `cron-done/${id}`);
      }, 0);
      return;
    }
    const interval = parseInterval(String(task.interval)) ?? 60_000;
    const loop = async () => {
      if (running.stopped) return;
      await runTask(task, ctx);
      if (!running.stopped) running.timer = setTimeout(loop, interval);
    };
    running.timer = setTimeout(loop, 0);
  }

  /** Stop a running task; false if there is none by that ID. */
  async cancel(id: string, ctx: Context): Promise<boolean> {
    const running = this.tasks.get(id);
    if (!running) return false;
    running.stopped = true;
    clearTimeout(running.timer);
    this.tasks.delete(id);
    await ctx.services.messages.link(id, `cron-stopped/${id}`);
    return true;
  }

  /** Resume the tasks kept in the store (they run through `ctx.node`). */
  async start(ctx: Context): Promise<void> {
    if (!ctx.node) return;
    const ids = (await ctx.services.messages.list('cron')) ?? [];
    for (const id of ids) {
      if (this.tasks.has(id) || (await isFinished(id, ctx))) continue;
      const task = await ctx.services.messages.read(id);
      if (isMessage(task)) this.run(id, task, ctx);
    }
  }

  stop(): void {
    for (const running of this.tasks.values()) {
      running.stopped = true;
      clearTimeout(running.timer);
    }
    this.tasks.clear();
  }
}

async function create(kind: 'once' | 'every', req: Message, ctx: Context) {
  const path = req['cron-path'];
  if (typeof path !== 'string' || path === '') return fail(400, 'No cron path found in message.');
  if (kind === 'every' && parseInterval(String(req.interval ?? '')) === undefined) {
    return fail(400, 'interval must be like 10-seconds (ms, second, minute, hour, day).');
  }
  if (!ctx.node) return fail(503, 'Cron tasks run only on a running node.');
  const task: Message = { ...omit(req, ['path', 'method', 'commitments', 'priv']), kind };
  const id = await ctx.services.messages.write(task);
  await ctx.services.messages.link(id, `cron/${id}`);
  ctx.services.cron.run(id, task, ctx);
  return ok(id);
}

export const cronDevice = defineDevice({
  name: 'cron@1.0',
  exports: ['once', 'every', 'stop'],
  volatile: true,
  keys: {
    once: (_base, req, ctx) => create('once', req, ctx),
    every: (_base, req, ctx) => create('every', req, ctx),
    async stop(_base, req, ctx) {
      const id = req.task;
      if (typeof id !== 'string' || !(await ctx.services.cron.cancel(id, ctx))) {
        return fail(404, 'Task not found.');
      }
      return ok({ status: 200, body: { message: 'Task stopped successfully', task_id: id } });
    },
  },
});
