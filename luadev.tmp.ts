import { readFileSync } from 'node:fs';
import { send, startTestNode } from './test/support/node.ts';
const node = await startTestNode({ config: { force_signed: false } });
const src = readFileSync('/work/shared/fixtures/lua/test.lua');
const id = await node.node.services.messages.write({ 'content-type': 'application/lua', body: src });
console.log('module', id);
for (const path of [`/~lua@5.3a&module=${id}/assoctable/b`, `/~lua@5.3a&module=${id}/ListTable`, `/~lua@5.3a&module=${id}/error_response`, `/~lua@5.3a&module=${id}/ao_resolve`, `/~lua@5.3a&module=${id}&test-value=42/hello`, `/~lua@5.3a&module=${id}&test-value=42/hello?name=Alice`, `/~lua@5.3a&module=${id}&sandbox=true/sandboxed_fail`, `/~lua@5.3a&module=${id}/sandboxed_fail`, `/~lua@5.3a&module=${id}/nosuch`, `/~lua@5.3a&module=${id}&extra=base-value/extra`]) {
  const t = performance.now();
  const r = await send(node, { path, headers: { accept: 'application/json' } });
  console.log(path.replace(id, 'ID'), r.status, r.text.slice(0, 160), Math.round(performance.now() - t), 'ms');
}
await node.stop();
