import { createHash, timingSafeEqual } from 'node:crypto';
import type { ClientConfig } from '../gateway.config.js';

export interface RegisteredClient {
  id: string;
  scopes: string[];
}

/** API clients allowed to obtain tokens. Secrets are held only as SHA-256 digests and compared in constant time. */
export class ClientRegistry {
  private readonly clients = new Map<string, { digest: Buffer; scopes: string[] }>();

  constructor(clients: ClientConfig[]) {
    for (const c of clients) this.clients.set(c.id, { digest: digest(c.secret), scopes: [...c.scopes] });
  }

  get size(): number {
    return this.clients.size;
  }

  authenticate(id: string, secret: string): RegisteredClient | null {
    const client = this.clients.get(id);
    // Compare against a dummy digest for unknown ids so timing does not tell which ids exist.
    const expected = client?.digest ?? digest('\u0000unknown-client');
    const ok = timingSafeEqual(expected, digest(secret)) && client !== undefined;
    return ok ? { id, scopes: [...client.scopes] } : null;
  }
}

function digest(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/** The documented local demo client, enabled only when CLEARWAY_CLIENTS is not set and NODE_ENV is not production. */
export const DEMO_CLIENT: ClientConfig = {
  id: 'demo',
  secret: 'demo-secret-not-for-production',
  scopes: ['payments:read', 'payments:write', 'payments:operate', 'ledger:admin'],
};
