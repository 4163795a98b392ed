/**
 * A tiny benchmark harness: run a function for a while, report operations per
 * second, and compare against a baseline measured in the same run.
 */
import autocannon from 'autocannon';

export interface Measurement {
  name: string;
  opsPerSec: number;
  /** The slowest 1% of answers took at least this long (ms), where measured. */
  p99?: number;
}

export async function measure(name: string, fn: () => unknown, seconds = 1): Promise<Measurement> {
  // Warm up, then time batches until the budget is spent.
  for (let i = 0; i < 50; i++) await fn();
  let ops = 0;
  const start = process.hrtime.bigint();
  const budget = BigInt(Math.round(seconds * 1e9));
  let elapsed = 0n;
  while (elapsed < budget) {
    for (let i = 0; i < 100; i++) await fn();
    ops += 100;
    elapsed = process.hrtime.bigint() - start;
  }
  return { name, opsPerSec: (ops * 1e9) / Number(elapsed) };
}

const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1));

/** Print ours against the baseline: ops/s of each and ours/baseline. */
export function report(title: string, ours: Measurement, baseline: Measurement): void {
  const ratio = ours.opsPerSec / baseline.opsPerSec;
  console.log(
    `${title.padEnd(44)} ${fmt(ours.opsPerSec).padStart(12)} ops/s   baseline (${baseline.name}) ${fmt(baseline.opsPerSec).padStart(12)} ops/s   ratio ${ratio.toFixed(3)}`,
  );
}

/** Requests per second autocannon gets from `url` (16 connections unless told); failed requests fail the bench. */
export async function httpRate(
  name: string,
  url: string,
  options: { seconds?: number; headers?: Record<string, string>; connections?: number } = {},
): Promise<Measurement> {
  const result = await autocannon({
    url,
    connections: options.connections ?? 16,
    duration: options.seconds ?? Number(process.env.BENCH_SECONDS ?? 5),
    ...(options.headers ? { headers: options.headers } : {}),
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${name}: failed requests`);
  return { name, opsPerSec: result.requests.average, p99: result.latency.p99 };
}
