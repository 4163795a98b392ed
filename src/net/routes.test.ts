/** Unit tests for route selection: templates, node forms and strategies. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Value } from '../core/message.ts';
import {
  anyTemplateMatches,
  baseOf,
  chooseNodes,
  findRoute,
  nodeUrl,
  templateMatches,
} from './routes.ts';

const ID_A = 'A'.repeat(43);
const ID_Z = `z${'A'.repeat(42)}`;

describe('routes', () => {
  it('matches path templates lower-cased, unanchored, with a leading slash', () => {
    assert.ok(templateMatches('/~meta@1.0/info', {}, '/~META@1.0/info/address'));
    assert.ok(templateMatches('*', {}, '/anything'), '`*` becomes `/*`');
    assert.equal(templateMatches('(', {}, '/x'), false, 'an invalid pattern matches nothing');
    assert.ok(templateMatches({ action: 'Eval' }, { action: 'Eval', x: '1' }, '/'));
    assert.equal(templateMatches({ action: 'Eval' }, { action: 'Ping' }, '/'), false);
  });

  it('matches a list of routes (`{template}`, as HyperBEAM) or of bare templates', () => {
    const free: Value[] = [
      { template: '/*~node-process@1.0/*' },
      '/~meta@1.0/*',
      { action: 'Eval' },
    ];
    assert.ok(anyTemplateMatches(free, { path: '/ledger~node-process@1.0/now/balance' }));
    assert.ok(anyTemplateMatches(free, { path: '/~meta@1.0/info' }));
    assert.ok(anyTemplateMatches(free, { path: '/x', action: 'Eval' }));
    assert.ok(anyTemplateMatches(free, { path: '/x', 'route-path': '/~meta@1.0/info' }));
    assert.equal(anyTemplateMatches(free, { path: '/greeting' }), false);
    assert.equal(anyTemplateMatches([], { path: '/greeting' }), false);
  });

  it('builds URLs from prefix, suffix and match/with', () => {
    assert.equal(nodeUrl({ prefix: 'http://b' }, '/p'), 'http://b/p');
    assert.equal(nodeUrl({ suffix: '?x=1' }, '/p'), '/p?x=1');
    assert.equal(
      nodeUrl({ match: '^/arweave', with: 'http://gw' }, '/arweave/raw'),
      'http://gw/raw',
    );
    assert.equal(nodeUrl('http://c', '/p'), 'http://c');
  });

  it('sends an explicit URL there, takes the first matching route, and matches route-path first', () => {
    const routes = [
      { template: '/a', node: 'http://first' },
      { template: '/a', node: 'http://second' },
    ];
    assert.deepEqual(findRoute({ path: 'http://x/y' }, routes)?.urls, ['http://x/y']);
    const found = findRoute({ path: '/a' }, routes);
    assert.deepEqual(found?.urls, ['http://first']);
    assert.equal(found?.reference, 'routes/1');
    assert.equal(findRoute({ path: '/b' }, routes), undefined);
    assert.deepEqual(findRoute({ path: '/b', 'route-path': '/a' }, routes)?.urls, ['http://first']);
  });

  it('By-Base maps an ID to the same node every time; Nearest picks by wallet distance', () => {
    const nodes = [{ prefix: 'http://0' }, { prefix: 'http://1' }, { prefix: 'http://2' }];
    const once = chooseNodes('By-Base', nodes, 1, `/${ID_A}/slot`);
    assert.deepEqual(chooseNodes('by_base', nodes, 1, `/${ID_A}/schedule`), once);
    assert.equal(baseOf(`/${ID_A}~process@1.0/now`), baseOf(`/${ID_A}`));
    const wallets = [
      { prefix: 'http://near', wallet: ID_A },
      { prefix: 'http://far', wallet: ID_Z },
    ];
    assert.deepEqual(chooseNodes('Nearest', wallets, 1, `/${ID_A}`), [wallets[0]]);
    assert.deepEqual(chooseNodes('Nearest', wallets, 2, `/${ID_A}`).length, 2);
  });

  it('Random and By-Weight choose without replacement; All keeps every node', () => {
    const nodes = [
      { prefix: 'a', weight: 0 },
      { prefix: 'b', weight: 5 },
      { prefix: 'c', weight: 1 },
    ];
    const random = () => 0.5;
    assert.equal(new Set(chooseNodes('Random', nodes, 3, '/', random)).size, 3);
    assert.deepEqual(chooseNodes('By-Weight', nodes, 1, '/', random), [nodes[1]]);
    assert.equal(new Set(chooseNodes('By-Weight', nodes, 3, '/', random)).size, 3);
    assert.deepEqual(chooseNodes('All', nodes, 1, '/'), nodes);
  });
});
