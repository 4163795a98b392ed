// Spawn an AOS process on a node, send it a message, read its result and
// dryrun another, with @permaweb/aoconnect in mainnet mode.
//   npx node examples/aoconnect.mjs <module id> [node url] [wallet file]
import { readFileSync } from 'node:fs';
import { connect, createSigner } from '@permaweb/aoconnect';

const [module, url = 'http://localhost:8734', walletFile = 'hyperbeam-key.json'] =
  process.argv.slice(2);
if (!module) {
  console.error('usage: npx node examples/aoconnect.mjs <module id> [node url] [wallet file]');
  process.exit(2);
}
const signer = createSigner(JSON.parse(readFileSync(walletFile, 'utf8')));
const ao = connect({ MODE: 'mainnet', URL: url, signer });
const evaluate = () => [{ name: 'Action', value: 'Eval' }];

const pid = await ao.spawn({ module, tags: [{ name: 'Name', value: 'getting-started' }] });
console.log(`process: ${pid}`);
const slot = await ao.message({ process: pid, tags: evaluate(), data: '1 + 1' });
console.log(`message: slot ${slot}`);
const result = await ao.result({ process: pid, slot });
console.log(`result:  ${result.Output.data}`);
const dryrun = await ao.dryrun({ process: pid, tags: evaluate(), data: '2 + 2' });
console.log(`dryrun:  ${dryrun.Output.data}`);
