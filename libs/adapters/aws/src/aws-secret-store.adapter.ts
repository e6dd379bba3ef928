// SPDX-License-Identifier: Apache-2.0
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { Clock, SecretStore } from '#application';

export interface AwsSecretStoreOptions {
  /** Prepended to every name: `clearway/` gives `clearway/auth-signing-key`. Empty by default. */
  prefix?: string;
  /** How long a value is served from memory before Secrets Manager is asked again (default 5 minutes). */
  ttlMs?: number;
  /** Time source for the cache; the system clock when absent. */
  clock?: Clock;
  /** Told when a reload finds a new version (a rotation); never given the value. */
  onRotation?: (name: string, versionId: string) => void;
}

interface Cached {
  value: string | null;
  versionId: string | null;
  fetchedAt: number;
}

const NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;

/**
 * Secrets in AWS Secrets Manager (token-signing keys, client secrets, legacy-host credentials), cached in
 * memory for `ttlMs`: within the TTL a `get` costs nothing; after it, the secret is read again and a new
 * `VersionId` (a rotation, or a put by another instance) replaces the cached value. `put` writes a new
 * version (PutSecretValue) or creates the secret (CreateSecret). Values are never logged.
 */
export class AwsSecretStore implements SecretStore {
  private readonly cache = new Map<string, Cached>();
  private readonly loading = new Map<string, Promise<string | null>>();
  private readonly ttlMs: number;
  private readonly prefix: string;

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly options: AwsSecretStoreOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 300_000;
    this.prefix = options.prefix ?? '';
    if (!(this.ttlMs >= 0)) throw new Error(`secret cache TTL must be >= 0 ms, got ${this.ttlMs}`);
  }

  /** The Secrets Manager name of a secret. */
  secretId(name: string): string {
    const id = `${this.prefix}${name}`;
    if (typeof name !== 'string' || name === '' || !NAME.test(id)) {
      throw new Error('secret name must be 1..512 of A-Z a-z 0-9 / _ + = . @ -');
    }
    return id;
  }

  async get(name: string): Promise<string | null> {
    const id = this.secretId(name);
    const hit = this.cache.get(id);
    if (hit && this.now() - hit.fetchedAt < this.ttlMs) return hit.value;
    // one request per name at a time, however many callers wait
    let pending = this.loading.get(id);
    if (!pending) {
      pending = this.load(id).finally(() => this.loading.delete(id));
      this.loading.set(id, pending);
    }
    return pending;
  }

  async put(name: string, value: string): Promise<void> {
    const id = this.secretId(name);
    let versionId: string | undefined;
    try {
      versionId = (await this.client.send(new PutSecretValueCommand({ SecretId: id, SecretString: value }))).VersionId;
    } catch (e) {
      if (!(e instanceof ResourceNotFoundException)) throw e;
      try {
        versionId = (await this.client.send(new CreateSecretCommand({ Name: id, SecretString: value }))).VersionId;
      } catch (e2) {
        if (!(e2 instanceof ResourceExistsException)) throw e2;
        // created by someone else in between: write our value as its new version
        versionId = (await this.client.send(new PutSecretValueCommand({ SecretId: id, SecretString: value }))).VersionId;
      }
    }
    this.cache.set(id, { value, versionId: versionId ?? null, fetchedAt: this.now() });
  }

  /**
   * Creates the secret only when it does not exist yet; returns false (and writes nothing) when it does.
   * For values several instances may try to create at once at first start (the token-signing key): the
   * loser reads the winner's value.
   */
  async createIfAbsent(name: string, value: string): Promise<boolean> {
    const id = this.secretId(name);
    try {
      const res = await this.client.send(new CreateSecretCommand({ Name: id, SecretString: value }));
      this.cache.set(id, { value, versionId: res.VersionId ?? null, fetchedAt: this.now() });
      return true;
    } catch (e) {
      if (e instanceof ResourceExistsException) {
        this.cache.delete(id);
        return false;
      }
      throw e;
    }
  }

  /** Forgets cached values (all, or one name): the next get asks Secrets Manager. */
  invalidate(name?: string): void {
    if (name === undefined) this.cache.clear();
    else this.cache.delete(this.secretId(name));
  }

  /** Secrets Manager answers (for readiness). */
  async ping(): Promise<void> {
    await this.client.send(new ListSecretsCommand({ MaxResults: 1 }));
  }

  private async load(id: string): Promise<string | null> {
    const before = this.cache.get(id);
    let value: string | null = null;
    let versionId: string | null = null;
    try {
      const res = await this.client.send(new GetSecretValueCommand({ SecretId: id }));
      value = res.SecretString ?? (res.SecretBinary ? Buffer.from(res.SecretBinary).toString('utf8') : null);
      versionId = res.VersionId ?? null;
    } catch (e) {
      if (!(e instanceof ResourceNotFoundException)) throw e;
    }
    this.cache.set(id, { value, versionId, fetchedAt: this.now() });
    if (before && versionId !== null && before.versionId !== versionId && this.options.onRotation) {
      this.options.onRotation(id, versionId);
    }
    return value;
  }

  private now(): number {
    return this.options.clock ? this.options.clock.now().getTime() : Date.now();
  }
}
