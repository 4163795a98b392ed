/**
 * hyperbeam-ts as a library: run a node, or use the engine in-process.
 *
 *   import { startNode } from 'hyperbeam-ts';
 *   const node = await startNode({ config: { port: 0 } });
 *   // ... fetch(`${node.url}/~meta@1.0/info`) ...
 *   await node.stop();
 */
export { type Codec, CodecRegistry, createCodecRegistry } from './codecs/index.ts';
export { ConfigError, type NodeConfig, OPTIONS } from './config/schema.ts';
export type { Message, Value } from './core/message.ts';
export { createWallet, loadWallet, type Wallet } from './crypto/wallet.ts';
export { type ContextOptions, createContext } from './defaults.ts';
export { builtinDevices, createDeviceRegistry } from './devices/index.ts';
export type { Context, Directives, Services } from './engine/context.ts';
export { type Device, defineDevice, error, fail, ok, type Result } from './engine/device.ts';
export { parseHyperpath, toHyperpath } from './engine/hyperpath.ts';
export { messageId } from './engine/ids.ts';
export { get, resolve, resolveMany } from './engine/resolver.ts';
export { type RunningNode, startNode } from './http/server.ts';
export { assemble, Components, type NodeOptions } from './node/components.ts';
