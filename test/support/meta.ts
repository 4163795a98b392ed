/** meta@1.0's `info` resolved in-process, for unit tests of the device and of live nodes. */
import { isMessage, type Message, omit } from '../../src/core/message.ts';
import { type Context, withDirectives } from '../../src/engine/context.ts';
import type { Result } from '../../src/engine/device.ts';
import { resolve } from '../../src/engine/resolver.ts';

/** `info` with `req` on a meta@1.0 message; the result without `priv` (volatile marks). */
export async function metaInfo(req: Message, ctx: Context): Promise<Result> {
  const result = await resolve(
    { device: 'meta@1.0' },
    { path: 'info', ...req },
    withDirectives(ctx, { hashpath: 'ignore' }),
  );
  return isMessage(result.body) ? { ...result, body: omit(result.body, ['priv']) } : result;
}
