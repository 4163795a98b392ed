export function describe(_n: string, f: () => void) {
  f();
}
export function it(n: string, f: () => void) {
  (globalThis as any).stats = new Map();
  f();
  console.log(
    n,
    [...(globalThis as any).stats].sort((a, b) => b[1] - a[1]),
  );
}
