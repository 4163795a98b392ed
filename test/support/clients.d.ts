// The JS clients used by the interop tests ship no type declarations.

declare module 'hbsig' {
  export interface SignedRequest {
    url: string;
    method: string;
    headers: Record<string, string>;
    body?: string | Uint8Array | Blob;
  }
  export function createSigner(
    jwk: unknown,
    url: string,
  ): (fields: Record<string, unknown>) => Promise<SignedRequest>;
  export function rsaid(commitment: unknown): string;
  export function hmacid(headers: Record<string, string>): string;
  export function verify(signed: SignedRequest): Promise<{ valid: boolean }>;
  /** A message committed (signed) by `signer`, as `{...keys, commitments}`. */
  export function commit(
    fields: Record<string, unknown>,
    opts: { signer: (fields: Record<string, unknown>) => Promise<SignedRequest>; path?: boolean },
  ): Promise<Record<string, unknown> & { commitments: Record<string, Record<string, string>> }>;
}

declare module '@permaweb/ao-core-libs' {
  const coreLibs: {
    init(options: { jwk?: unknown; url?: string }): {
      request(args: Record<string, unknown>): Promise<Response>;
    };
  };
  export default coreLibs;
}
