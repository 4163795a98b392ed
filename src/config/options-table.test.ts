import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { optionsTable, unpadded, withOptionsTable } from './options-table.ts';
import { OPTIONS } from './schema.ts';

describe("the README's options table", () => {
  it('lists every option of the schema', () => {
    const table = optionsTable();
    for (const name of Object.keys(OPTIONS)) assert.match(table, new RegExp(`\\| \`${name}\` \\|`));
  });

  it('is the one the schema renders (npm run options rewrites it)', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    assert.equal(unpadded(withOptionsTable(readme)), unpadded(readme));
  });
});
