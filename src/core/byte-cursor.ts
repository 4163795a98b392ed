/**
 * Reading a byte string front to back, for the binary formats the node
 * parses (ANS-104 items, ETF key terms, WebAssembly headers). Each format
 * says how running past the end is reported (its own error, its own status)
 * and adds its own readers on top.
 */
export class ByteCursor {
  at = 0;
  readonly bytes: Uint8Array;
  private readonly truncated: (what: string) => never;

  constructor(bytes: Uint8Array, truncated: (what: string) => never) {
    this.bytes = bytes;
    this.truncated = truncated;
  }

  byte(what = 'a byte'): number {
    if (this.at >= this.bytes.length) this.truncated(what);
    return this.bytes[this.at++] as number;
  }

  take(n: number, what = `${n} bytes`): Uint8Array {
    if (n < 0 || this.at + n > this.bytes.length) this.truncated(what);
    const out = this.bytes.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
}
