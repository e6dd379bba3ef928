// SPDX-License-Identifier: Apache-2.0
import { createHash, timingSafeEqual } from 'node:crypto';
import type { SecretStore } from '#application';
import type { ClientConfig } from '../config/configuration.js';

export interface RegisteredClient {
  id: string;
  scopes: string[];
}

interface Entry {
  /** SHA-256 of the secret given in configuration, or null when it is held in the secret store. */
  digest: Buffer | null;
  /** Name of the secret in the secret store (`SecretStore.get`), when the secret lives there. */
  secretName: string | null;
  scopes: string[];
}

/**
 * API clients allowed to obtain tokens. A secret is given in configuration (held only as a SHA-256 digest)
 * or named in the secret store (Secrets Manager with SECRETS=aws), where it is read at each token request:
 * the store's cache keeps that cheap and a rotated secret takes effect when the cache ends. Secrets are
 * compared in constant time.
 */
export class ClientRegistry {
  private readonly clients = new Map<string, Entry>();
  private store: SecretStore | null = null;

  constructor(clients: ClientConfig[]) {
    for (const c of clients) {
      this.clients.set(c.id, {
        digest: c.secret !== undefined ? digest(c.secret) : null,
        secretName: c.secretName ?? null,
        scopes: [...c.scopes],
      });
    }
  }

  /** The secret store that holds the secrets named by `secretName` (bound when the application starts). */
  useSecretStore(store: SecretStore): void {
    this.store = store;
  }

  /** Names of the secrets clients keep in the secret store. */
  get secretNames(): string[] {
    return [...this.clients.values()].flatMap((c) => (c.secretName ? [c.secretName] : []));
  }

  get size(): number {
    return this.clients.size;
  }

  async authenticate(id: string, secret: string): Promise<RegisteredClient | null> {
    const client = this.clients.get(id);
    let expected = client?.digest ?? null;
    if (client && expected === null && client.secretName && this.store) {
      const stored = await this.store.get(client.secretName);
      expected = stored ? digest(stored) : null;
    }
    // Compare against a dummy digest for unknown ids (or a missing secret) so timing does not tell which ids exist.
    const ok = timingSafeEqual(expected ?? digest('\u0000unknown-client'), digest(secret)) && client !== undefined && expected !== null;
    return ok ? { id, scopes: [...client.scopes] } : null;
  }
}

function digest(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/** The documented local demo client, enabled only when CLEARWAY_CLIENTS is not set and NODE_ENV is not production. */
export { DEMO_CLIENT } from '../config/configuration.js';
