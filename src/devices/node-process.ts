/**
 * `node-process@1.0` (HyperBEAM's dev_node_process): processes this node
 * runs by name, `/<name>~node-process@1.0/...`. A name is looked up among
 * those the node has spawned (`node-processes/<name>` in the store, so a
 * restarted node finds the same process); the first time, the definition in
 * `node_processes[<name>]` is spawned: scheduled by this node, with this node
 * among its authorities, signed by the node and given slot 0. `spawn=false`
 * only looks up. An unknown name is a 404.
 */
import { isMessage, type Message, type Value } from '../core/message.ts';
import type { Context } from '../engine/context.ts';
import { defineDevice, fail, ok, type Result } from '../engine/device.ts';
import { processIdOf } from '../processes/process-message.ts';

const registered = (name: string) => `node-processes/${name}`;
const NAME = /^[A-Za-z0-9_-]{1,64}$/;

function authorities(value: Value | undefined, address: string): Value {
  const listed = Array.isArray(value)
    ? value.map(String)
    : typeof value === 'string'
      ? [value]
      : [];
  return listed.includes(address) ? listed : [...listed, address];
}

async function spawn(name: string, ctx: Context): Promise<Result> {
  const definition = ctx.config.node_processes[name];
  if (!isMessage(definition)) return fail(404, `No node process named \`${name}\`.`);
  const { wallet, codecs, messages, schedules } = ctx.services;
  const process = await codecs.committer('httpsig@1.0').commit(
    {
      device: 'process@1.0',
      type: 'Process',
      'data-protocol': 'ao',
      variant: 'ao.N.1',
      ...definition,
      scheduler: wallet.address,
      authority: authorities(definition.authority, wallet.address),
    },
    {},
    { wallet },
  );
  const pid = processIdOf(process);
  await messages.write(process);
  await schedules.assign(pid, process, ctx);
  await messages.link(pid, registered(name));
  return ok(process);
}

async function lookup(name: string, req: Message, ctx: Context): Promise<Result> {
  if (!NAME.test(name)) return fail(400, `Not a node process name: \`${name.slice(0, 80)}\`.`);
  const found = await ctx.services.messages.read(registered(name));
  if (found) return ok(found);
  if (req.spawn === false || req.spawn === 'false') {
    return fail(404, `No node process named \`${name}\` is running.`);
  }
  return spawn(name, ctx);
}

export const nodeProcessDevice = defineDevice({
  name: 'node-process@1.0',
  // What it answers depends on what this node has spawned.
  volatile: true,
  default: (key, _base, req, ctx) => lookup(key, req, ctx),
  // Concurrent first uses of a name share one lookup, so it is spawned once.
  grouper: (_base, req) => `node-process/${String(req.path)}`,
});
