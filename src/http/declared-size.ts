/**
 * Chunk sizes declared beyond the body limit. Node's HTTP parser accepts a
 * chunk of up to 2^64-1 bytes and then waits for it, so a request declaring
 * one would only end at `http_request_timeout`. A `DeclaredSizeGuard` reads
 * a connection's bytes beside the parser, tracking just enough HTTP/1.1
 * framing (heads, `content-length` bodies, chunk-size lines, trailers) to
 * see each chunk's declared size, and reports a chunked body that declares
 * more than the limit as soon as its chunk-size line arrives. Anything it
 * does not follow (an upgrade, bytes the parser will refuse) stops it: the
 * parser and the request timeout still apply.
 */

/** Lines longer than this (head lines, chunk-size lines) stop the guard: the parser refuses them. */
const MAX_LINE = 128 * 1024;

type State = 'head' | 'size' | 'data' | 'data-end' | 'trailer' | 'fixed' | 'off';

export class DeclaredSizeGuard {
  private state: State = 'head';
  /** The current line's bytes so far (latin1). */
  private line = '';
  /** Bytes left in the current chunk or fixed-length body (then its CRLF). */
  private remaining = 0;
  /** Body bytes declared so far by the current chunked body. */
  private declared = 0;
  private sawRequestLine = false;
  private chunked = false;
  private contentLength = 0;
  private upgrade = false;
  /** Set once a body declared too much; `onTooLarge` is called then (or when set later). */
  tripped = false;
  private listener: (() => void) | undefined;
  private readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  /** Call `fn` when the current request's body declares more than the limit. */
  onTooLarge(fn: (() => void) | undefined): void {
    this.listener = fn;
    if (fn && this.tripped) fn();
  }

  push(bytes: Uint8Array): void {
    let i = 0;
    while (i < bytes.length && this.state !== 'off') {
      switch (this.state) {
        case 'data':
        case 'fixed': {
          const take = Math.min(this.remaining, bytes.length - i);
          this.remaining -= take;
          i += take;
          if (this.remaining === 0) {
            if (this.state === 'fixed') this.startHead();
            else {
              this.state = 'data-end';
              this.line = '';
            }
          }
          break;
        }
        default: {
          const nl = bytes.indexOf(0x0a, i);
          const end = nl < 0 ? bytes.length : nl;
          this.line += Buffer.from(bytes.buffer, bytes.byteOffset + i, end - i).toString('latin1');
          i = end;
          if (this.line.length > MAX_LINE) {
            this.state = 'off';
            break;
          }
          if (nl < 0) break;
          i = nl + 1;
          const line = this.line.endsWith('\r') ? this.line.slice(0, -1) : this.line;
          this.line = '';
          this.onLine(line);
        }
      }
    }
  }

  private startHead(): void {
    this.state = 'head';
    this.sawRequestLine = false;
    this.chunked = false;
    this.contentLength = 0;
    this.upgrade = false;
    this.line = '';
  }

  private onLine(line: string): void {
    switch (this.state) {
      case 'head':
        this.onHeadLine(line);
        break;
      case 'size':
        this.onSizeLine(line);
        break;
      case 'data-end':
        this.state = line === '' ? 'size' : 'off';
        break;
      case 'trailer':
        if (line === '') this.startHead();
        break;
      default:
        break;
    }
  }

  private onHeadLine(line: string): void {
    if (!this.sawRequestLine) {
      if (line === '') return; // empty lines before a request line are allowed
      this.sawRequestLine = true;
      if (/^CONNECT /i.test(line)) this.upgrade = true;
      return;
    }
    if (line !== '') {
      const colon = line.indexOf(':');
      if (colon <= 0) return;
      const name = line.slice(0, colon).toLowerCase();
      const value = line
        .slice(colon + 1)
        .trim()
        .toLowerCase();
      if (name === 'transfer-encoding') this.chunked = /(^|,)\s*chunked$/.test(value);
      else if (name === 'content-length')
        this.contentLength = /^\d+$/.test(value) ? Number(value) : 0;
      else if (name === 'upgrade') this.upgrade = true;
      return;
    }
    // The end of a head.
    if (this.upgrade) this.state = 'off';
    else if (this.chunked) {
      this.state = 'size';
      this.declared = 0;
    } else if (this.contentLength > 0) {
      this.state = 'fixed';
      this.remaining = this.contentLength;
    } else this.startHead();
  }

  private onSizeLine(line: string): void {
    const hex = /^[0-9a-fA-F]+/.exec(line)?.[0];
    if (hex === undefined) {
      this.state = 'off';
      return;
    }
    const digits = hex.replace(/^0+/, '');
    // More than 13 hex digits is beyond any body limit (2^52 bytes).
    const size = digits.length > 13 ? Number.POSITIVE_INFINITY : Number.parseInt(digits || '0', 16);
    this.declared += size;
    if (this.declared > this.limit) {
      this.tripped = true;
      this.state = 'off';
      this.listener?.();
      return;
    }
    if (size === 0) this.state = 'trailer';
    else {
      this.state = 'data';
      this.remaining = size;
    }
  }
}
