/**
 * lua@5.3a over HTTP (lua.md §9): functions of test.lua called by key, the
 * value mapping, sandboxes, the HTTP hook, a test.lua process, and hyper-aos
 * processes (Eval, handlers, replies, trust, printing, errors that halt a
 * process, budgets), a restart that resumes from the snapshot, and a second
 * node computing the same schedule to the same results.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Message } from '../../src/core/message.ts';
import { messageId } from '../../src/engine/ids.ts';
import type { RunningNode } from '../../src/http/server.ts';
import { sendAos } from '../support/aos.ts';
import { quickWallet, type RawResponse, send, startTestNode } from '../support/node.ts';
import { processMessage, spawn } from '../support/processes.ts';
import { sharedPath } from '../support/shared.ts';
import { signedRequest } from '../support/signing.ts';

const source = (file: string) => readFileSync(sharedPath('fixtures', 'lua', file));
const moduleMessage = (body: Uint8Array | string): Message => ({
  'content-type': 'application/lua',
  body,
});
const json = (res: RawResponse) => JSON.parse(res.text) as Message;
const getJson = (node: { port: number }, path: string) =>
  send(node, { path, headers: { accept: 'application/json' } });

describe('lua@5.3a on messages', () => {
  let node: RunningNode;
  let testLua: string;
  let second: string;
  let extra: string;
  const on = (m: string, rest = '') => `/~lua@5.3a&module=${m}${rest}`;
  before(async () => {
    node = await startTestNode({ config: { force_signed: false } });
    const store = node.node.services.messages;
    testLua = await store.write(moduleMessage(source('test.lua')));
    second = await store.write(moduleMessage('function test_second_script() return 4 end'));
    extra = await store.write(
      moduleMessage(`
        function none() end
        function three() return 1, 2, 3 end
        function shapes() return { f = 3.0, i = 3, e = {}, l = {["1"] = "a", ["2"] = "b"} } end
        function args(a, b, c) return { a = a, b = b, c = tostring(c) } end
        function other_fn() return "other" end
        function spin() while true do end end
        function add(a, b) return a + b end`),
    );
  });
  after(() => node.stop());

  it('calls functions by key (cases 1, 2, 7)', async () => {
    assert.equal((await send(node, { path: `${on(testLua)}/assoctable/b` })).text, '2');
    const list = json(await getJson(node, `${on(testLua)}/ListTable`));
    assert.deepEqual([list['1'], list['2'], list['3']], [1, 2, 3]);
    assert.equal(
      (await send(node, { path: `${on(testLua)}/ao_resolve` })).text,
      'Hello, AO world!',
    );
  });

  it('loads several modules (case 3) and answers an error status (case 4)', async () => {
    const both = await node.node.services.messages.write({
      device: 'lua@5.3a',
      module: [testLua, second],
    });
    assert.equal((await send(node, { path: `/${both}/test_second_script` })).text, '4');
    assert.equal((await send(node, { path: `/${both}/assoctable/b` })).text, '2');
    const refused = await send(node, { path: `${on(testLua)}/error_response` });
    assert.equal(refused.status, 400);
    assert.equal(refused.text, 'Very bad, but Lua caught it.');
  });

  it('sandboxes: the default has no host os; sandbox=true is HyperBEAM’s (case 5)', async () => {
    for (const rest of ['', '&sandbox=true']) {
      const res = await send(node, { path: `${on(testLua, rest)}/sandboxed_fail` });
      assert.equal(res.status, 500, res.text);
      assert.match(res.text, /getenv/);
    }
  });

  it('keeps the base, sets from the request, reads base keys without Lua (cases 8, 33)', async () => {
    const hello = json(await getJson(node, `${on(testLua, '&test-value+integer=42')}/hello`));
    assert.equal(hello.hello, 'world');
    assert.equal(hello['test-value'], 42);
    const alice = json(
      await getJson(node, `${on(testLua, '&test-value+integer=42')}/hello?name=Alice`),
    );
    assert.equal(alice.hello, 'Alice');
    assert.equal(
      (await send(node, { path: `${on(testLua, '&extra=base-value')}/extra` })).text,
      'base-value',
    );
  });

  it('maps values as lua.md §4 says (cases 28–30) and refuses odd returns (case 27)', async () => {
    const shapes = json(await getJson(node, `${on(extra)}/shapes`));
    assert.equal(shapes.i, 3);
    assert.equal(Number(shapes.f), 3);
    assert.deepEqual(shapes.e, []);
    assert.deepEqual(shapes.l, ['a', 'b']);
    const types = await send(node, {
      path: `${on(extra)}/shapes`,
      headers: { 'accept-codec': 'httpsig@1.0' },
    });
    assert.match(types.headers['ao-types'] ?? '', /f="float"/);
    assert.match(types.headers['ao-types'] ?? '', /i="integer"/);
    for (const fn of ['none', 'three']) {
      assert.equal((await send(node, { path: `${on(extra)}/${fn}` })).status, 500);
    }
  });

  it('takes the function and parameters from the request (cases 31, 32)', async () => {
    assert.equal(
      (await send(node, { path: `${on(extra)}/anything?function=other_fn` })).text,
      'other',
    );
    const args = json(await getJson(node, `${on(extra)}/args?parameters+list=1,two`));
    assert.deepEqual([args.a, args.b, args.c], [1, 'two', 'nil']);
  });

  it('lists global functions, sorted (case 34)', async () => {
    const names = Object.values(json(await getJson(node, `${on(testLua)}/functions`)));
    assert.ok(names.includes('assoctable') && names.includes('ListTable'));
    assert.deepEqual(
      names.filter((n) => typeof n === 'string'),
      [...names.filter((n) => typeof n === 'string')].sort(),
    );
  });

  it('stops a call past its instruction budget; the node serves on (case 35)', async () => {
    const spun = await send(node, { path: `${on(extra)}/spin` });
    assert.equal(spun.status, 500);
    assert.match(spun.text, /instruction budget exceeded/);
    assert.equal((await send(node, { path: `${on(extra)}/add?parameters+list=2,3` })).text, '5');
  });

  it('answers 422 for a module that does not load', async () => {
    const store = node.node.services.messages;
    for (const body of ['function x( end', 'error("at load")', 'while true do end']) {
      const id = await store.write(moduleMessage(body));
      const res = await send(node, { path: `${on(id)}/x` });
      assert.equal(res.status, 422, `${body}: ${res.text}`);
      assert.match(res.text, /does not load/);
    }
  });

  it('answers a clear 404 for a missing module or function', async () => {
    assert.equal((await send(node, { path: `${on('B'.repeat(43))}/hello` })).status, 404);
    assert.equal((await send(node, { path: `${on(extra)}/nosuch` })).status, 404);
  });
});

describe('lua@5.3a as an HTTP hook (case 9)', () => {
  it('answers every request with what `request` says', async () => {
    const node = await startTestNode({
      config: {
        force_signed: false,
        on: { request: { device: 'lua@5.3a', module: moduleMessage(source('test.lua')) } },
      },
    });
    try {
      const res = await send(node, { path: '/hello?hello=world' });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.text, 'i like turtles');
    } finally {
      await node.stop();
    }
  });
});

/** An Eval (or any action) for a hyper-aos process, signed by `wallet`; its slot. */
const message = sendAos;

/** A slot's output, without the HTTP status the reply carries. */
async function outputAt(node: RunningNode, pid: string, slot: number): Promise<Message> {
  const { status: _status, ...output } = json(
    await getJson(node, `/${pid}/compute&slot=${slot}/results/output`),
  );
  return output;
}

/** A slot's outbox: a list (its keys are 1..n), as HyperBEAM reads it. */
async function outboxAt(node: RunningNode, pid: string, slot: number): Promise<Message[]> {
  const results = json(await getJson(node, `/${pid}/compute&slot=${slot}/results`));
  return Array.isArray(results.outbox) ? (results.outbox as Message[]) : [];
}

describe('lua@5.3a processes', () => {
  const operator = quickWallet();
  const owner = quickWallet();
  const guest = quickWallet();
  let node: RunningNode;
  let aos: string;
  let testLua: string;
  before(async () => {
    node = await startTestNode({ wallet: operator, config: { force_signed: false } });
    aos = await node.node.services.messages.write(moduleMessage(source('hyper-aos.lua')));
    testLua = await node.node.services.messages.write(moduleMessage(source('test.lua')));
  });
  after(() => node.stop());

  const spawnAos = () =>
    spawn(
      node,
      processMessage(operator.address, 'lua@5.3a', { module: aos, authority: operator.address }),
      owner,
    );

  it('runs test.lua’s compute per slot (case 10)', async () => {
    const pid = await spawn(
      node,
      processMessage(operator.address, 'lua@5.3a', { module: testLua }),
      owner,
    );
    await message(node, pid, { n: 1 }, owner);
    assert.equal((await send(node, { path: `/${pid}/now/results/output/body` })).text, '42');
  });

  it('hyper-aos: Eval, Send, ao as a copy (cases 11, 13, 18, 19, 20, 26)', async () => {
    const pid = await spawnAos();
    const two = await message(node, pid, { action: 'Eval', data: '1 + 1' }, owner);
    assert.deepEqual(await outputAt(node, pid, two), { data: '2', prompt: 'aos> ' });
    const sent = await message(
      node,
      pid,
      { action: 'Eval', data: "Count = 1; Send({Target = 'Foo', Data = 'Bar'}); return Count" },
      owner,
    );
    assert.equal((await outputAt(node, pid, sent)).data, '1');
    const [first] = (await outboxAt(node, pid, sent)) as [Message];
    // Keys are lower-cased, as every message's are here (HyperBEAM keeps Lua's case).
    assert.equal(first.target, 'Foo');
    assert.equal(first.data, 'Bar');
    assert.equal(first.reference, '1');
    const ref = await message(
      node,
      pid,
      { action: 'Eval', data: "Send({Target = 'X'}); return ao.reference" },
      owner,
    );
    assert.equal((await outputAt(node, pid, ref)).data, '0');
    const id = await message(
      node,
      pid,
      { action: 'Eval', data: 'return tostring(ao.id == "")' },
      owner,
    );
    assert.equal((await outputAt(node, pid, id)).data, 'true');
    for (const [code, expected] of [
      ['return 1, 2', ''],
      ['return +', ''],
      ['return 10 / 4', '2.5'],
      ['return 7 // 2', '3'],
    ] as const) {
      const slot = await message(node, pid, { action: 'Eval', data: code }, owner);
      // An empty `data` travels as its type only (ao-types: empty-binary).
      assert.equal((await outputAt(node, pid, slot)).data ?? '', expected, code);
    }
  });

  it('hyper-aos: handlers, replies, the inbox, guests and strangers (cases 12, 14–17, 23)', async () => {
    const pid = await spawnAos();
    const added = await message(
      node,
      pid,
      {
        action: 'Eval',
        data: 'Handlers.add("ping", "Ping", function(msg) print("got " .. msg.body.data); msg.reply({Data = "pong"}) end)',
      },
      owner,
    );
    assert.equal((await outputAt(node, pid, added)).data, '3');
    const ping = await message(node, pid, { action: 'Ping', data: 'hi' }, owner);
    assert.deepEqual(await outputAt(node, pid, ping), {
      data: 'got hi',
      print: true,
      prompt: 'aos> ',
    });
    const [reply] = (await outboxAt(node, pid, ping)) as [Message];
    assert.equal(reply.data, 'pong');
    assert.equal(reply.target, owner.address);
    const other = await message(node, pid, { action: 'Other' }, owner);
    assert.equal((await outputAt(node, pid, other)).data, 'New Message');
    const fromGuest = await message(node, pid, { action: 'Ping', data: 'hi' }, guest);
    assert.equal((await outputAt(node, pid, fromGuest)).data, 'got hi');
    assert.equal((await outboxAt(node, pid, fromGuest))[0]?.target, guest.address);
    const stranger = await message(
      node,
      pid,
      { action: 'Eval', data: '1', 'from-process': '1234' },
      guest,
    );
    assert.deepEqual(await outputAt(node, pid, stranger), { data: 'Message is not trusted.' });
    const table = await message(
      node,
      pid,
      {
        action: 'Eval',
        data: 'Handlers.add("tbl", {action = "Tbl"}, function(msg) print("tbl matched " .. msg.body.action) end)',
      },
      owner,
    );
    assert.equal((await outputAt(node, pid, table)).data, '4');
    const tbl = await message(node, pid, { action: 'Tbl' }, owner);
    assert.equal((await outputAt(node, pid, tbl)).data, 'tbl matched Tbl');
  });

  it('hyper-aos: printing, time, and a handler error (cases 22, 24, 25)', async () => {
    const pid = await spawnAos();
    const printed = await message(
      node,
      pid,
      { action: 'Eval', data: 'print("a"); print({1,2}); print(3); print(true); return 5' },
      owner,
    );
    assert.equal(
      (await outputAt(node, pid, printed)).data,
      'a\n{ \u001b[34m1\u001b[0m, \u001b[34m2\u001b[0m }\n\u001b[32m3\u001b[0m\n\u001b[34mtrue\u001b[0m\n5',
    );
    const timed = await message(node, pid, { action: 'Eval', data: 'return os.time()' }, owner);
    const assignment = json(
      await getJson(node, `/~scheduler@1.0/schedule?target=${pid}&from=${timed}&to=${timed}`),
    );
    const block = ((assignment.assignments as Message)[String(timed)] as Message)[
      'block-timestamp'
    ];
    assert.equal((await outputAt(node, pid, timed)).data, String(block));
    await message(
      node,
      pid,
      {
        action: 'Eval',
        data: 'Handlers.add("bad", "Bad", function(msg) Send({Target = "Z"}); print("before"); error("oops") end)',
      },
      owner,
    );
    const bad = await message(node, pid, { action: 'Bad' }, owner);
    const output = await outputAt(node, pid, bad);
    assert.ok(
      String(output.data).startsWith('before\n\n\u001b[31merror:\n\u001b[0m'),
      output.data as string,
    );
    assert.match(String(output.data), /oops/);
    assert.equal(output.prompt, undefined);
    assert.equal((await outboxAt(node, pid, bad))[0]?.target, 'Z');
  });

  it('halts a process at a slot whose compute fails (case 21), and at a runaway loop', async () => {
    for (const code of ['local x = nil; return x.y', 'while true do end']) {
      const pid = await spawnAos();
      const failing = await message(node, pid, { action: 'Eval', data: code }, owner);
      const after = await message(node, pid, { action: 'Eval', data: '1' }, owner);
      for (const slot of [failing, after]) {
        const res = await send(node, { path: `/${pid}/compute&slot=${slot}` });
        assert.equal(res.status, 500, `${code} at ${slot}: ${res.text}`);
      }
      assert.equal((await send(node, { path: '/~meta@1.0/info/address' })).status, 200);
    }
  });
});

describe('lua@5.3a processes across restarts and nodes', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hb-lua-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('resumes from its snapshot after 200 messages, as a node that never stopped', async () => {
    const operator = quickWallet();
    const owner = quickWallet();
    const options = (name: string) => ({
      wallet: operator,
      config: {
        force_signed: false,
        store: [{ 'store-module': 'lmdb', prefix: join(dir, name) }],
        process_snapshot_slots: 50,
      },
    });
    let node = await startTestNode(options('restarting'));
    const steady = await startTestNode(options('steady'));
    try {
      const aos = moduleMessage(source('hyper-aos.lua'));
      const ids = await Promise.all([node, steady].map((n) => n.node.services.messages.write(aos)));
      assert.equal(ids[0], ids[1]);
      const process = processMessage(operator.address, 'lua@5.3a', {
        module: ids[0] as string,
        authority: operator.address,
      });
      const pids = await Promise.all([node, steady].map((n) => spawn(n, process, owner)));
      const count = 'X = (X or 0) + 1; return X';
      for (let i = 0; i < 200; i++) {
        await Promise.all(
          [node, steady].map((n, k) =>
            message(n, pids[k] as string, { action: 'Eval', data: count }, owner),
          ),
        );
      }
      assert.equal((await outputAt(node, pids[0] as string, 200)).data, '200');
      await node.stop();
      node = await startTestNode(options('restarting'));
      const next = await Promise.all(
        [node, steady].map((n, k) =>
          message(n, pids[k] as string, { action: 'Eval', data: count }, owner),
        ),
      );
      assert.deepEqual(next, [201, 201]);
      const outputs = await Promise.all(
        [node, steady].map((n, k) => outputAt(n, pids[k] as string, 201)),
      );
      assert.equal(outputs[0]?.data, '201');
      assert.deepEqual(outputs[0], outputs[1]);
    } finally {
      await node.stop();
      await steady.stop();
    }
  });

  it('computes to the same results on a node that reads the schedule from another', async () => {
    const operator = quickWallet();
    const owner = quickWallet();
    const a = await startTestNode({ wallet: operator, config: { force_signed: false } });
    const b = await startTestNode({
      config: {
        force_signed: false,
        store: [{ 'store-module': 'memory' }, { 'store-module': 'remote-node', node: a.url }],
      },
    });
    try {
      const aos = await a.node.services.messages.write(moduleMessage(source('hyper-aos.lua')));
      const located = signedRequest(
        'POST',
        { path: '/~scheduler@1.0/location', url: a.url, nonce: 1, 'time-to-live': 3_600_000 },
        operator,
      );
      assert.equal((await send(b, located)).status, 200);
      const pid = await spawn(
        a,
        processMessage(operator.address, 'lua@5.3a', { module: aos }),
        owner,
      );
      const evals = [
        'X = 41; return X',
        'X = X + 1; return X',
        'return math.random(1, 1000)',
        'return tostring({})',
      ];
      for (const data of evals) await message(a, pid, { action: 'Eval', data }, owner);
      for (let slot = 1; slot <= evals.length; slot++) {
        assert.deepEqual(
          await outputAt(b, pid, slot),
          await outputAt(a, pid, slot),
          `slot ${slot}`,
        );
      }
    } finally {
      await b.stop();
      await a.stop();
    }
  });
});

describe('hyperbeam import of Lua modules', () => {
  it('stores a .lua file as a module message and prints its ID', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hb-lua-import-'));
    try {
      const file = join(dir, 'mod.lua');
      writeFileSync(file, 'function hi() return "hi" end');
      const main = new URL('../../src/cli/main.ts', import.meta.url).pathname;
      const { stdout } = await promisify(execFile)(process.execPath, [
        main,
        'import',
        '--store',
        join(dir, 'store'),
        file,
      ]);
      const id = stdout.trim().split(/\s+/)[0];
      assert.equal(id, messageId(moduleMessage('function hi() return "hi" end')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('node-process@1.0', () => {
  it('spawns a named process once, on first use, and runs it (lookup_execute_test)', async () => {
    const operator = quickWallet();
    const node = await startTestNode({
      wallet: operator,
      config: {
        force_signed: false,
        node_processes: {
          tester: { 'execution-device': 'lua@5.3a', module: moduleMessage(source('test.lua')) },
        },
      },
    });
    try {
      assert.equal((await send(node, { path: '/missing~node-process@1.0' })).status, 404);
      const ids = await Promise.all(
        [1, 2, 3].map(async () =>
          json(await getJson(node, '/tester~node-process@1.0/commitments')),
        ),
      );
      assert.equal(new Set(ids.map((c) => Object.keys(c).sort().join())).size, 1, 'spawned once');
      const scheduled = await send(
        node,
        signedRequest(
          'POST',
          { path: '/tester~node-process@1.0/schedule', 'test-key': 'test-value' },
          operator,
        ),
      );
      assert.equal(scheduled.status, 200, scheduled.text);
      assert.equal(scheduled.headers.slot, '1');
      const body = await send(node, { path: '/tester~node-process@1.0/now/results/output/body' });
      assert.equal(body.text, '42');
      const scheduler = await send(node, { path: '/tester~node-process@1.0/scheduler' });
      assert.equal(scheduler.text, operator.address);
    } finally {
      await node.stop();
    }
  });
});
