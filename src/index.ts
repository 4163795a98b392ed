/**
 * hyperbeam-ts as a library: run a node, or use the engine in-process.
 *
 *   import { startNode } from 'hyperbeam-ts';
 *   const node = await startNode({ port: 0 });
 *   // ... fetch(`${node.url}/~meta@1.0/info`) ...
 *   await node.stop();
 */
export { codecs, schemes } from './codecs/index.ts';
export type { Message, Value } from './core/message.ts';
export { createWallet, loadWallet, type Wallet } from './crypto/wallet.ts';
export { createOpts } from './defaults.ts';
export { builtinDevices, createDeviceRegistry } from './devices/index.ts';
export type { Opts } from './engine/context.ts';
export { type Device, defineDevice, error, ok, type Result } from './engine/device.ts';
export { parseHyperpath, toHyperpath } from './engine/hyperpath.ts';
export { messageId } from './engine/ids.ts';
export { get, resolve, resolveMany } from './engine/resolver.ts';
export { type RunningNode, startNode } from './http/server.ts';
export type { NodeOptions } from './node/assemble.ts';
