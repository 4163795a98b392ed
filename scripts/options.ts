/** `npm run options`: rewrite the README's options table from the schema. */
import { readFileSync, writeFileSync } from 'node:fs';
import { withOptionsTable } from '../src/config/options-table.ts';

const readme = new URL('../README.md', import.meta.url);
writeFileSync(readme, withOptionsTable(readFileSync(readme, 'utf8')));
