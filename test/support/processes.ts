// SPDX-License-Identifier: Apache-2.0
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The checkout's root: the nearest folder up with a package.json (works from test/ and from dist/test/). */
function findRoot(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json')) || existsSync(join(dir, 'tsconfig.build.json')) === false) {
    const up = resolve(dir, '..');
    if (up === dir) throw new Error(`no package.json above ${from}`);
    dir = up;
  }
  return dir;
}

export const REPO_ROOT = findRoot(import.meta.dirname);
const GATEWAY_MAIN = join(REPO_ROOT, 'dist/apps/gateway/src/main.js');
/** The built simulator's entry point (`npm run build` first). */
export const SIM_MAIN = join(REPO_ROOT, 'dist/apps/legacy-host-sim/src/main.js');
/**
 * The V8 settings the gateway ships with (deploy/Dockerfile, the systemd unit, `npm start`; ADR 0013): a 4 MB
 * young generation and a 512 MB old generation. Tests and the bench run the gateway as shipped; an env's own
 * NODE_OPTIONS replaces them.
 */
export const GATEWAY_NODE_OPTIONS = '--max-semi-space-size=4 --max-old-space-size=512';

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `clearway-${prefix}-`));
}

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => ok(port));
    });
  });
}

export async function waitFor(url: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms (${last})`);
}

/** A child process of the built project (dist/), with its output kept for failure messages. */
export class NodeProcess {
  private output = '';
  /** All of standard output, when asked for (`keepStdout`); null otherwise. */
  private stdoutCopy: string | null;
  private exited: Promise<number | null>;

  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
    keepStdout: boolean,
  ) {
    this.stdoutCopy = keepStdout ? '' : null;
    child.stdout?.on('data', (d: Buffer) => {
      this.keep(d);
      if (this.stdoutCopy !== null) this.stdoutCopy += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => this.keep(d));
    this.exited = new Promise((r) => child.once('exit', (code) => r(code)));
  }

  static async start(
    main: string,
    env: Record<string, string>,
    url: string,
    readyPath: string,
    options: { keepStdout?: boolean } = {},
  ): Promise<NodeProcess> {
    const child = spawn(process.execPath, [main], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const p = new NodeProcess(child, url, options.keepStdout ?? false);
    try {
      await Promise.race([
        waitFor(`${url}${readyPath}`),
        p.exited.then((code) => {
          throw new Error(`process exited with ${code} before it was ready`);
        }),
      ]);
    } catch (e) {
      child.kill('SIGKILL');
      throw new Error(`${(e as Error).message}\n--- output ---\n${p.logs()}`, { cause: e });
    }
    return p;
  }

  private keep(d: Buffer): void {
    this.output = (this.output + d.toString()).slice(-20_000);
  }

  /** The last 20,000 characters of standard output and error, interleaved. */
  logs(): string {
    return this.output;
  }

  /** All of standard output since start (only when started with `keepStdout`). */
  stdout(): string {
    if (this.stdoutCopy === null) throw new Error('started without keepStdout: only logs() is kept');
    return this.stdoutCopy;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (!this.running) return;
    this.child.kill(signal);
    await this.exited;
  }
}

export async function startSimulator(env: Record<string, string> = {}): Promise<NodeProcess> {
  const port = await freePort();
  return NodeProcess.start(SIM_MAIN, { SIM_PORT: String(port), ...env }, `http://127.0.0.1:${port}`, '/health');
}

export const TEST_CLIENTS = [
  { id: 'bank-a', secret: 'bank-a-secret-0001', scopes: ['payments:read', 'payments:write', 'payments:operate'] },
  { id: 'bank-b', secret: 'bank-b-secret-0002', scopes: ['payments:read', 'payments:write'] },
  { id: 'writer', secret: 'writer-secret-0003', scopes: ['payments:write'] },
  { id: 'ledger-ops', secret: 'ledger-ops-secret-0004', scopes: ['ledger:admin'] },
  { id: 'monitor', secret: 'monitor-secret-0005', scopes: ['metrics:read'] },
  { id: 'operator', secret: 'operator-secret-0006', scopes: ['operator'] },
];

/** `TEST_STORE=postgres`: the suites run their gateways on PostgreSQL (see storeProfile). */
export const ON_POSTGRES = process.env.TEST_STORE === 'postgres';

/** The PostgreSQL server of the tests: DATABASE_URL, else the local one (.ci/run starts it). */
export const TEST_DATABASE_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

/**
 * `TEST_STORE=postgres`: every gateway a suite starts without a STORE of its own runs on PostgreSQL instead of the
 * embedded SQLite store, so the same suites prove both (.ci/run runs the e2e and fault suites this way too). The
 * DATA_DIR names the store: one schema (and one secrets key) per DATA_DIR, so gateways sharing a DATA_DIR, or
 * restarted on it, share their state as they do on SQLite.
 */
export function storeProfile(env: Record<string, string>): Record<string, string> {
  if (!ON_POSTGRES || env.STORE) return {};
  const id = createHash('sha256')
    .update(resolve(env.DATA_DIR ?? './data'))
    .digest();
  return {
    STORE: 'postgres',
    DATABASE_URL: TEST_DATABASE_URL,
    DATABASE_SCHEMA: `clearway_e2e_${id.subarray(0, 8).toString('hex')}`,
    SECRETS_ENCRYPTION_KEY: createHash('sha256').update(id).update('secrets-key').digest('base64'),
  };
}

export async function startGateway(
  env: Record<string, string>,
  port?: number,
  options: { keepStdout?: boolean } = {},
): Promise<NodeProcess> {
  const p = port ?? (await freePort());
  return NodeProcess.start(
    GATEWAY_MAIN,
    {
      PORT: String(p),
      HOST: '127.0.0.1',
      CLEARWAY_CLIENTS: JSON.stringify(TEST_CLIENTS),
      NODE_OPTIONS: GATEWAY_NODE_OPTIONS,
      ...storeProfile(env),
      ...env,
    },
    `http://127.0.0.1:${p}`,
    '/health/live',
    options,
  );
}

/** The JSON log lines (LOG_FORMAT=json) in a process's output; other lines (a child's, a crash's) are skipped. */
export function jsonLogLines(output: string): Array<Record<string, unknown>> {
  return output.split('\n').flatMap((line) => {
    if (!line.startsWith('{')) return [];
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

export async function tokenFor(baseUrl: string, clientId: string, scope?: string): Promise<string> {
  const client = TEST_CLIENTS.find((c) => c.id === clientId)!;
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  if (scope) form.set('scope', scope);
  const res = await fetch(`${baseUrl}/oauth2/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`,
    },
    body: form,
  });
  if (res.status !== 200) throw new Error(`token for ${clientId}: HTTP ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

export interface TransactionJson {
  transactionId: string;
  status: string;
  reason: { code: string; text: string | null } | null;
  uetr: string | null;
  [k: string]: unknown;
}

export async function waitForTerminal(baseUrl: string, token: string, id: string, timeoutMs = 20_000): Promise<TransactionJson> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${baseUrl}/v1/transactions/${id}`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await res.json()) as TransactionJson;
    if (['ACSC', 'RJCT', 'CANC'].includes(body.status)) return body;
    if (Date.now() > deadline) throw new Error(`transaction ${id} still ${body.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
