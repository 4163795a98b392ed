/**
 * The node's live Lua VMs: one per process that runs lua@5.3a (`<pid>/lua`),
 * at most `wasm_live_limit` of them (least recently used closed first), let go
 * with their process by the runtime (it snapshots first) and closed when the
 * node stops. A dryrun borrows one and gets it back as it was (its memory is
 * copied and put back). Also the VMs of messages that are not processes:
 * those start fresh for every call, from a kept copy of their loaded state.
 */
import {
  isMessage,
  type Message,
  privateOf,
  valueAt,
  withPrivate,
  withValueAt,
} from '../core/message.ts';
import type { Context, Lifecycle } from '../engine/context.ts';
import type { Lent, LiveResource } from '../processes/runtime.ts';
import { instanceKey } from '../wasm/live.ts';
import { type LuaLimits, LuaVM } from './vm.ts';

declare module '../engine/context.ts' {
  interface Services {
    readonly lua: LuaStates;
  }
}

const PREFIX = 'lua';
const TEMPLATE_LIMIT = 16;

export const limitsOf = (ctx: Context): LuaLimits => ({
  instructions: ctx.config.lua_instruction_limit,
  memory: ctx.config.lua_memory_limit,
});

export class LuaStates implements Lifecycle, LiveResource {
  private readonly live = new Map<string, LuaVM>();
  /** Loaded VMs of non-process messages, by what was loaded (memory copies). */
  private readonly templates = new Map<string, Uint8Array>();

  /** The live VM a state names (most recently used last). */
  vmOf(state: Message): LuaVM | undefined {
    const key = valueAt(privateOf(state), `instances/${PREFIX}`);
    if (typeof key !== 'string') return undefined;
    const vm = this.live.get(key);
    if (vm) {
      this.live.delete(key);
      this.live.set(key, vm);
    }
    return vm;
  }

  /** Keep `vm` as the state's live VM (closing any earlier one); the state naming it. */
  keep(state: Message, vm: LuaVM, ctx: Context): Message {
    const key = instanceKey(state, PREFIX);
    this.close(key);
    this.live.set(key, vm);
    while (this.live.size > ctx.config.wasm_live_limit) {
      this.close(this.live.keys().next().value as string);
    }
    return withPrivate(state, withValueAt(privateOf(state), `instances/${PREFIX}`, key));
  }

  /** A VM from a kept copy of `key`'s loaded state, or one `build` makes (then kept). */
  async fresh(key: string, limits: LuaLimits, build: () => Promise<LuaVM>): Promise<LuaVM> {
    const copy = this.templates.get(key);
    if (copy) {
      const vm = await LuaVM.restore(copy, limits);
      if (vm) return vm;
    }
    const vm = await build();
    this.templates.set(key, vm.snapshot());
    if (this.templates.size > TEMPLATE_LIMIT) {
      this.templates.delete(this.templates.keys().next().value as string);
    }
    return vm;
  }

  close(key: string): void {
    this.live.get(key)?.close();
    this.live.delete(key);
  }

  release(pid: string): void {
    for (const key of [...this.live.keys()]) if (key.startsWith(`${pid}/`)) this.close(key);
  }

  bytes(pid: string): number {
    let total = 0;
    for (const [key, vm] of this.live) if (key.startsWith(`${pid}/`)) total += vm.memorySize;
    return total;
  }

  /** Lend a state's VM to a run that must leave no trace: its memory is put back after. */
  async lend(state: Message): Promise<Lent> {
    const instances = valueAt(privateOf(state), 'instances');
    const key = isMessage(instances) ? instances[PREFIX] : undefined;
    const vm = typeof key === 'string' ? this.live.get(key) : undefined;
    if (!vm) return { giveBack: async () => true };
    const copy = vm.snapshot();
    return { giveBack: async () => vm.putBack(copy) };
  }

  stop(): void {
    for (const key of [...this.live.keys()]) this.close(key);
    this.templates.clear();
  }
}
