/**
 * A context to use the engine in-process (and in tests): the built-in
 * devices and codecs, an in-memory store and result cache. Pass options by
 * name and any component to change. Without a wallet, contexts sign with
 * one key made once per process (an RSA-4096 key takes a second to make;
 * a key is an immutable value, so sharing it shares no state).
 */
import type { Message } from './core/message.ts';
import { createWallet, type Wallet } from './crypto/wallet.ts';
import type { Context, Directives, RequestInfo, Services } from './engine/context.ts';
import { assemble, type NodeOptions } from './node/components.ts';

export interface ContextOptions extends Omit<NodeOptions, 'config'> {
  readonly config?: Message;
  readonly services?: Partial<Services>;
  readonly directives?: Directives;
  readonly request?: RequestInfo;
}

let defaultWallet: Wallet | undefined;

function sharedWallet(): Wallet {
  defaultWallet ??= createWallet('rsa');
  return defaultWallet;
}

export function createContext(options: ContextOptions = {}): Context {
  const { services, directives, request, ...node } = options;
  const base = assemble({
    ...node,
    wallet: node.wallet ?? services?.wallet ?? sharedWallet(),
    messages: node.messages ?? services?.messages,
    results: node.results ?? services?.results,
    devices: node.devices ?? services?.devices,
    codecs: node.codecs ?? services?.codecs,
  }).context(directives);
  return {
    ...base,
    services: { ...base.services, ...services },
    ...(request ? { request } : {}),
  };
}
