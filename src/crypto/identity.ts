/**
 * The node's identity: the wallet it signs with now. A green zone member may
 * take the zone's identity (`greenzone@1.0 become`); everything holding the
 * node's wallet (signing replies, assignments, stores) holds this, so the
 * change reaches all of them at once and nothing keeps the old key.
 */
import type { Digest, KeyType, Wallet } from './wallet.ts';

export class NodeIdentity implements Wallet {
  #wallet: Wallet;

  constructor(wallet: Wallet) {
    this.#wallet = wallet;
  }

  /** Sign as `wallet` from now on. */
  adopt(wallet: Wallet): void {
    this.#wallet = wallet;
  }

  get type(): KeyType {
    return this.#wallet.type;
  }
  get publicKey(): Uint8Array {
    return this.#wallet.publicKey;
  }
  get address(): string {
    return this.#wallet.address;
  }
  get jwk() {
    return this.#wallet.jwk;
  }
  sign(data: Uint8Array, digest?: Digest): Uint8Array {
    return this.#wallet.sign(data, digest);
  }
  signAsync(data: Uint8Array, digest?: Digest): Promise<Uint8Array> {
    return this.#wallet.signAsync(data, digest);
  }
}
