// SPDX-License-Identifier: Apache-2.0
import pg from 'pg';
import type { PostgresDatabase } from './postgres-database.js';

export interface PostgresJobListenerOptions {
  /** Called on each notification: new jobs are due (wake the idle workers). */
  onJobs: () => void;
  /** Told when the listening connection fails and when it is back; polling covers the gap. */
  onError?: (message: string) => void;
  /** First delay before reconnecting, doubled up to `maxBackoffMs` (defaults 250 ms and 5 s). */
  backoffMs?: number;
  maxBackoffMs?: number;
}

/**
 * LISTEN on the store's jobs channel over a connection of its own (a pooled one cannot hold a LISTEN), so a job
 * committed by any instance wakes the idle workers of every instance at once instead of at their next poll. The
 * connection is reopened with backoff when it fails (a server restart); it wakes the workers once it is back, as
 * notifications sent meanwhile were lost. Waking is only an optimisation: workers still poll.
 */
export class PostgresJobListener {
  private client: pg.Client | null = null;
  private closed = false;
  private retry: NodeJS.Timeout | null = null;
  private failures = 0;

  constructor(
    private readonly db: PostgresDatabase,
    private readonly options: PostgresJobListenerOptions,
  ) {}

  /** Resolves once listening; rejects when the first connection fails (the server is not there at start). */
  async start(): Promise<void> {
    await this.connect();
  }

  get listening(): boolean {
    return this.client !== null;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client(this.db.clientConfig());
    client.on('notification', (n) => {
      if (n.channel === this.db.jobsChannel) this.options.onJobs();
    });
    client.on('error', (e) => this.lost(client, e));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    try {
      await client.connect();
      await client.query(`LISTEN "${this.db.jobsChannel}"`);
    } catch (e) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      throw e;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    if (this.failures > 0) this.options.onError?.(`listening for new jobs again after ${this.failures} failed attempt(s)`);
    this.failures = 0;
    this.options.onJobs();
  }

  private lost(client: pg.Client, e: Error): void {
    if (this.client !== client) return;
    this.client = null;
    client.removeAllListeners('end');
    void client.end().catch(() => undefined);
    if (this.closed) return;
    this.options.onError?.(`job listener lost its connection (${e.message}); workers poll until it is back`);
    this.schedule();
  }

  private schedule(): void {
    const base = this.options.backoffMs ?? 250;
    const delay = Math.min(this.options.maxBackoffMs ?? 5000, base * 2 ** Math.min(this.failures, 10));
    this.retry = setTimeout(() => {
      this.retry = null;
      if (this.closed) return;
      this.connect().catch((e: unknown) => {
        this.failures++;
        if (this.failures === 1 || this.failures % 10 === 0)
          this.options.onError?.(`job listener cannot reconnect (${(e as Error).message}); retrying`);
        this.schedule();
      });
    }, delay);
    this.retry.unref();
  }
}
