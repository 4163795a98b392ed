/**
 * The README's list of options, rendered from the schema, so the two cannot
 * disagree (a test compares them; `npm run options` rewrites the README).
 */
import type { Value } from '../core/message.ts';
import { OPTIONS, type OptionSpec, type OptionType } from './schema.ts';

export const TABLE_START = '<!-- options:start -->';
export const TABLE_END = '<!-- options:end -->';

function typeName(type: OptionType): string {
  switch (type.kind) {
    case 'integer':
      return type.min !== undefined && type.max !== undefined && type.max < 1e15
        ? `integer ${type.min}–${type.max}`
        : 'integer';
    case 'choice':
      return type.values.map((v) => `\`${String(v)}\``).join(' \\| ');
    case 'value':
      return 'any';
    case 'switch-or-list':
      return 'boolean or list';
    default:
      return type.kind;
  }
}

function shown(value: Value): string {
  if (value === '') return '(none)';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return `\`${text.replaceAll('|', '\\|')}\``;
}

/** The options as a Markdown table, grouped as the schema groups them. */
export function optionsTable(): string {
  const rows = (Object.entries(OPTIONS) as [string, OptionSpec][]).map(
    ([name, spec]) =>
      `| ${spec.group} | \`${name}\` | ${typeName(spec.type)} | ${shown(spec.default)} | ${spec.description.replaceAll('|', '\\|')} |`,
  );
  return [
    '| group | option | type | default | what it does |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

/** A Markdown table's text without its column padding (the formatter pads columns). */
export function unpadded(text: string): string {
  return text.replace(/ *\| */g, '|').replace(/\|-{3,}(?=\|)/g, '|---');
}

/** The README with its options table replaced by the schema's. */
export function withOptionsTable(readme: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start)
    throw new Error(`the README has no ${TABLE_START} ... ${TABLE_END}`);
  return `${readme.slice(0, start + TABLE_START.length)}\n${optionsTable()}\n${readme.slice(end)}`;
}
