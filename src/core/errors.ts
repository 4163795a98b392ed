/**
 * Typed errors. Every error the engine raises on purpose is an HbError with an
 * HTTP status, a short machine-readable code and a human message, so callers
 * (the HTTP layer, the CLI) can answer clearly instead of crashing.
 */
export interface HbErrorOptions {
  status?: number;
  cause?: unknown;
  details?: Record<string, unknown>;
}

export class HbError extends Error {
  override name = 'HbError';
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, options: HbErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status ?? 500;
    this.details = options.details;
  }
}

/** A request that cannot be understood: bad path syntax, bad casts, bad keys. */
export class BadRequestError extends HbError {
  override name = 'BadRequestError';
  constructor(code: string, message: string, options: HbErrorOptions = {}) {
    super(code, message, { status: 400, ...options });
  }
}

/** Bytes or values that a codec cannot read or write. */
export class CodecError extends HbError {
  override name = 'CodecError';
  constructor(code: string, message: string, options: HbErrorOptions = {}) {
    super(code, message, { status: 400, ...options });
  }
}

/** Something that was asked for does not exist (a message, a device, a key). */
export class NotFoundError extends HbError {
  override name = 'NotFoundError';
  constructor(code: string, message: string, options: HbErrorOptions = {}) {
    super(code, message, { status: 404, ...options });
  }
}

/** A device failed while executing a key. */
export class DeviceError extends HbError {
  override name = 'DeviceError';
}

/**
 * What a device keeps live outside a process's state (a WASM instance) no
 * longer matches the state: the process computes again from its last
 * snapshot.
 */
export class LiveStateLostError extends HbError {
  override name = 'LiveStateLostError';
  constructor(message: string) {
    super('live_state_lost', message, { status: 500 });
  }
}

export function isHbError(error: unknown): error is HbError {
  return error instanceof HbError;
}

/** Wrap anything thrown into an HbError, keeping typed errors as they are. */
export function toHbError(error: unknown, code = 'internal_error'): HbError {
  if (error instanceof HbError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new HbError(code, message, { status: 500, cause: error });
}

/** A signature that is missing, malformed or does not verify (400 unless said otherwise). */
export class SignatureError extends HbError {
  override name = 'SignatureError';
  constructor(code: string, message: string, options: HbErrorOptions = {}) {
    super(code, message, { status: 400, ...options });
  }
}
