/**
 * The legacy AOS host (legacy.ts) on both ao-loader fixtures: the process
 * message then Evals, a handler that replies, Lua errors and pcall (the
 * invoke_* longjmp path), memory growth and its limit, snapshots restored into
 * fresh instances, determinism, the clock and time formatting, stdout, exit.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { sharedPath } from '../../test/support/shared.ts';
import { LegacyInstance, type LegacyOptions, legacyBits } from './legacy.ts';

const compile = (file: string) =>
  new WebAssembly.Module(readFileSync(sharedPath('fixtures', file)));

const id = (c: string) => c.repeat(43);
const OWNER = id('o');
const PID = id('p');
const SENDER = id('s');
const NOW = 1700000000000;
const ENV = JSON.stringify({
  Process: { Id: PID, Owner: OWNER, Tags: [{ name: 'Name', value: 'x' }] },
  Module: { Id: id('m'), Owner: id('w'), Tags: [] },
});

type Tag = { name: string; value: string };
interface Response {
  Output?: { data?: unknown };
  Messages?: { Target: string; Data: string; Tags: Tag[] }[];
  Error?: string;
}

/** A legacy process: sends messages as the legacy CU shapes them, returns `response`. */
class Process {
  readonly host: LegacyInstance;
  nonce: number;
  constructor(host: LegacyInstance, nonce = 0) {
    this.host = host;
    this.nonce = nonce;
  }

  send(data: string, tags: Tag[], extra: Record<string, unknown> = {}, now = NOW): Response {
    this.nonce++;
    const msg = {
      Id: id(String.fromCharCode(97 + this.nonce)),
      Owner: OWNER,
      From: OWNER,
      Target: PID,
      Anchor: '',
      Data: data,
      Tags: tags,
      Module: id('m'),
      Timestamp: NOW,
      'Block-Height': 1,
      Epoch: 0,
      Nonce: this.nonce,
      'Hash-Chain': 'x',
      Cron: false,
      ...extra,
    };
    const result = JSON.parse(this.host.handle(JSON.stringify(msg), ENV, now));
    assert.equal(result.ok, true);
    return result.response as Response;
  }

  /** The process message itself, which a legacy process sees first. */
  spawn(): Response {
    return this.send(
      '',
      [
        { name: 'Type', value: 'Process' },
        { name: 'Name', value: 'x' },
      ],
      {
        Id: PID,
      },
    );
  }

  eval(code: string, now = NOW): Response {
    return this.send(code, [{ name: 'Action', value: 'Eval' }], {}, now);
  }
}

const sha256 = (memory: WebAssembly.Memory) =>
  createHash('sha256').update(new Uint8Array(memory.buffer)).digest('hex');

it('legacyBits tells the legacy emscripten shapes from other modules', () => {
  assert.equal(legacyBits(compile('aos-2.0.0-legacy-wasm64.wasm')), 64);
  assert.equal(legacyBits(compile('aos-2.0.0-legacy-wasm32.wasm')), 32);
  assert.equal(legacyBits(compile('aos-2-pure-xs.wasm')), undefined);
  assert.equal(legacyBits(compile('test-64.wasm')), undefined);
  assert.throws(() => LegacyInstance.create(compile('aos-2-pure-xs.wasm')), /not a legacy/);
});

for (const [file, bits] of [
  ['aos-2.0.0-legacy-wasm64.wasm', 64],
  ['aos-2.0.0-legacy-wasm32.wasm', 32],
] as const) {
  describe(file, () => {
    const module = compile(file);
    const spawned = (options?: LegacyOptions) => {
      const process = new Process(LegacyInstance.create(module, options));
      const first = process.spawn();
      assert.equal(first.Error, undefined);
      assert.equal(first.Output?.data, '');
      return process;
    };

    it('answers the process message, then evaluates 1 + 1', () => {
      const process = spawned();
      assert.equal(process.host.bits, bits);
      const res = process.eval('1 + 1');
      assert.equal(res.Output?.data, '2');
      assert.deepEqual(res.Messages, []);
    });

    it('runs a handler added by Eval, which replies to the sender', () => {
      const process = spawned();
      const ping =
        'Handlers.add("Ping", Handlers.utils.hasMatchingTag("Action","Ping"), ' +
        'function(m) print("got ping"); m.reply({ Data = "Pong" }) end)';
      assert.equal(process.eval(ping).Error, undefined);
      const res = process.send('', [{ name: 'Action', value: 'Ping' }], {
        From: SENDER,
        Owner: SENDER,
      });
      assert.equal(res.Output?.data, 'got ping');
      assert.equal(res.Messages?.length, 1);
      const [reply] = res.Messages ?? [];
      assert.equal(reply?.Target, SENDER);
      assert.equal(reply?.Data, 'Pong');
    });

    it('reports a Lua error, and pcall catches one (the longjmp path)', () => {
      const process = spawned();
      const boom = process.eval('error("boom")');
      assert.match(boom.Error ?? '', /boom/);
      assert.equal(boom.Output, undefined);
      const caught = process.eval('local ok, e = pcall(error, "x"); return tostring(ok) .. e');
      assert.equal(caught.Output?.data, 'falsex');
      const nested = process.eval(
        'local ok = pcall(function() local a, b = pcall(error, 1); error(b + 1) end); return tostring(ok)',
      );
      assert.equal(nested.Output?.data, 'false');
      assert.equal(process.eval('1 + 1').Output?.data, '2'); // the stack is whole after all that
    });

    it('grows memory for a large allocation', () => {
      const process = spawned();
      const before = process.host.memory.buffer.byteLength;
      const res = process.eval('X = string.rep("a", 50*1024*1024); return #X');
      assert.equal(res.Output?.data, String(50 * 1024 * 1024));
      const after = process.host.memory.buffer.byteLength;
      assert.ok(after > before + 50 * 1024 * 1024);
      assert.equal(after % 65536, 0);
    });

    it('fails an allocation past memoryLimit as out of memory, and goes on', () => {
      const limit = 100 * 1024 * 1024;
      const process = spawned({ memoryLimit: limit });
      const res = process.eval('X = string.rep("a", 200*1024*1024); return #X');
      assert.match(res.Error ?? '', /not enough memory/);
      assert.ok(process.host.memory.buffer.byteLength <= limit);
      assert.equal(process.eval('1 + 1').Output?.data, '2');
    });

    it('continues from a snapshot restored into a fresh instance', () => {
      const a = spawned();
      assert.equal(a.eval('Y = 41').Error, undefined);
      const snapshot = new Uint8Array(a.host.memory.buffer).slice();
      const b = new Process(LegacyInstance.create(module), a.nonce);
      b.host.restore(snapshot);
      assert.equal(sha256(b.host.memory), sha256(a.host.memory));
      const [ra, rb] = [a, b].map((p) => p.eval('return Y + 1'));
      assert.equal(ra?.Output?.data, '42');
      assert.deepEqual(rb, ra);
      assert.equal(sha256(b.host.memory), sha256(a.host.memory));
    });

    it('restores a snapshot larger than the fresh memory', () => {
      const a = spawned();
      a.eval('Z = string.rep("z", 30*1024*1024)');
      const snapshot = new Uint8Array(a.host.memory.buffer).slice();
      const b = new Process(LegacyInstance.create(module), a.nonce);
      assert.ok(snapshot.length > b.host.memory.buffer.byteLength);
      b.host.restore(snapshot);
      assert.equal(b.host.memory.buffer.byteLength, snapshot.length);
      assert.equal(b.eval('return #Z').Output?.data, String(30 * 1024 * 1024));
    });

    it('is deterministic: the same inputs give byte-identical memory', () => {
      const run = () => {
        const process = spawned();
        const outputs = [
          process.eval('T = {}; for i = 1, 1000 do T[tostring(i)] = i end; return #T'),
          process.eval('local s = 0; for k, v in pairs(T) do s = s + v end; return s'),
          process.eval('return os.date("%c") .. math.random()', NOW + 5000),
        ];
        return { outputs, hash: sha256(process.host.memory) };
      };
      const [one, two] = [run(), run()];
      assert.equal(one.outputs[1]?.Output?.data, '500500');
      assert.deepEqual(two.outputs, one.outputs);
      assert.equal(two.hash, one.hash);
    });

    it('puts big strings in the heap instead of on the stack, with the same results', () => {
      const process = spawned({ maxStackStrings: 0 });
      assert.equal(process.eval('1 + 1').Output?.data, '2');
      assert.equal(process.eval(`return #[[${'q'.repeat(100000)}]]`).Output?.data, '100000');
    });

    it('keeps time deterministic: os.time is the Timestamp, the clock is `now`', () => {
      const process = spawned();
      const data = (code: string, now = NOW) => process.eval(code, now).Output?.data;
      assert.equal(data('return os.time()'), String(NOW)); // AOS replaces os.time
      assert.equal(data('return os.date("!%Y-%m-%d %H:%M:%S", 1700000000)'), '2023-11-14 22:13:20');
      assert.equal(data('return os.date("%c|%Z|%z", 0)'), 'Thu Jan 01 00:00:00 1970|UTC|+0000');
      assert.equal(data('return os.date("!%F %T")', 1e12), '2001-09-09 01:46:40');
      assert.equal(data('return os.date("%j %U %W %V %G")', 1609459200000), '001 00 00 53 2020');
      assert.equal(
        data('local t = os.date("*t", 951782400); return t.yday .. t.wday .. tostring(t.isdst)'),
        '603false',
      );
      assert.equal(data('return os.clock()'), '0.0');
      assert.equal(data('return os.clock()', NOW + 1500), '1.5');
    });

    it('captures stdout, has no files, no environment and no WeaveDrive', () => {
      const process = spawned();
      const res = process.eval('io.write("hi\\n"); io.stderr:write("err\\n"); return 1');
      assert.equal(res.Output?.data, '1');
      assert.equal(process.host.output, 'hi\nerr\n');
      assert.equal(process.eval('return tostring(io.open("/data/x"))').Output?.data, 'nil');
      assert.equal(process.eval('return tostring(os.getenv("HOME"))').Output?.data, 'nil');
      assert.equal(process.eval('return tostring(os.remove("/x"))').Output?.data, 'nil');
      assert.equal(process.host.output, '');
    });

    it('throws a clear error when the module exits', () => {
      const process = spawned();
      assert.throws(() => process.eval('os.exit(3)'), /exit\(3\)/);
    });
  });
}
