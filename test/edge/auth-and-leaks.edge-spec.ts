// SPDX-License-Identifier: Apache-2.0
/**
 * Issue 10, points 7 (transactions per message), 9 (tokens and keys), 10 (small leaks), 11 (readiness) and
 * 12 (default issuer), against the built gateway (npm run build first).
 */
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { base64url, importJWK, SignJWT, type JWK } from 'jose';
import { pain001WithTransactions } from '../support/iso-messages.js';
import { buildPacs008 } from '../support/pacs008.factory.js';
import { freePort, REPO_ROOT, startGateway, startSimulator, tempDir, tokenFor, type NodeProcess } from '../support/processes.js';

const GATEWAY_MAIN = join(REPO_ROOT, 'dist/apps/gateway/src/main.js');
const ROTATE_MAIN = join(REPO_ROOT, 'dist/scripts/keys-rotate.js');

const running: NodeProcess[] = [];
/** Simulators the gateway started: killed after a failed test, so that none outlives the suite. */
const simulatorPids: number[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.kill('SIGKILL')));
  for (const pid of simulatorPids.splice(0)) if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
});

async function start(env: Record<string, string>, port?: number): Promise<NodeProcess> {
  const p = await startGateway(env, port);
  running.push(p);
  return p;
}

/** Polls `check` until it is true, or fails after `timeoutMs` naming `what` (a bound on waiting, not a timing assertion). */
async function eventually(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Whether a process runs: an exited one that nobody has reaped yet (a zombie, state Z) counts as gone. */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Runs a built script or the gateway to its end: exit code and output. */
function run(main: string, env: Record<string, string>, args: string[] = []): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [main, ...args], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const listStatus = async (url: string, token: string) => (await fetch(`${url}/v1/transactions`, { headers: bearer(token) })).status;
const headerOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as Record<string, string>;

/** A key as the file secret store keeps it (`<DATA_DIR>/secrets/<name>`; these names need no escaping). */
function storedKey(dataDir: string, name: string): JWK {
  return JSON.parse(readFileSync(join(dataDir, 'secrets', name), 'utf8')) as JWK;
}

/** A token like the gateway's, signed with `jwk`, with the header and claims changed as given. */
async function forge(jwk: JWK, header: Record<string, unknown> = {}, claims: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT({ scope: 'payments:read', client_id: 'bank-a', ...claims })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: jwk.kid!, ...header } as { alg: string })
    .setSubject('bank-a')
    .setIssuer((claims.iss as string | undefined) ?? 'clearway')
    .setAudience('clearway')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(await importJWK(jwk, 'ES256'));
}

async function submit(url: string, token: string, xml: string): Promise<Response> {
  return fetch(`${url}/v1/inbox`, { method: 'POST', headers: { ...bearer(token), 'content-type': 'application/xml' }, body: xml });
}

describe('the bundled simulator ends with the gateway', () => {
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGKILL'] as const) {
    it(`${signal} to the gateway leaves no simulator behind (its pid is gone, its port closed); it saw none of the gateway's secrets`, async () => {
      const simPort = await freePort();
      const gw = await start({ DATA_DIR: tempDir('sim-life'), SIM_PORT: String(simPort), LOG_LEVEL: 'log' });
      await eventually('the simulator start logged', () => /legacy-host simulator on .* \(pid \d+\)/.test(gw.logs()));
      const pid = Number(/legacy-host simulator on .* \(pid (\d+)\)/.exec(gw.logs())![1]);
      simulatorPids.push(pid);
      expect(pidAlive(pid)).toBe(true);
      expect(await portOpen(simPort)).toBe(true);
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      expect(environ).toContain(`SIM_PORT=${simPort}`);
      expect(environ.some((v) => v.startsWith('CLEARWAY_CLIENTS='))).toBe(false);
      expect(environ.some((v) => v.startsWith('DATA_DIR='))).toBe(false);

      await gw.kill(signal);
      await eventually(`simulator pid ${pid} gone after ${signal}`, () => !pidAlive(pid));
      await eventually(`simulator port ${simPort} closed after ${signal}`, async () => !(await portOpen(simPort)));
    });
  }
});

describe('readiness and the dependencies report', () => {
  it('readiness stays 200 while the host is down (the inbox still takes payments); the dependencies report says the host is down', async () => {
    const sim = await startSimulator();
    running.push(sim);
    const gw = await start({ DATA_DIR: tempDir('host-down'), LEGACY_HOST_URL: sim.url });
    const deps = async () =>
      (await (await fetch(`${gw.url}/health/dependencies`)).json()) as { status: string; dependencies: Record<string, { status: string }> };
    expect((await deps()).dependencies['host:http']).toEqual({ status: 'up' });
    await sim.kill('SIGKILL');

    const ready = await fetch(`${gw.url}/health/ready`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { status: string; info: Record<string, unknown> };
    expect(body.status).toBe('ok');
    expect(Object.keys(body.info).sort()).toEqual(['archive', 'queue', 'secrets', 'store']);
    const report = await fetch(`${gw.url}/health/dependencies`);
    expect(report.status).toBe(200);
    const after = (await report.json()) as { status: string; dependencies: Record<string, { status: string; message?: string }> };
    expect(after.status).toBe('degraded');
    expect(after.dependencies['host:http']!.status).toBe('down');
    expect(JSON.stringify(after)).not.toContain(sim.url);
    const token = await tokenFor(gw.url, 'bank-a');
    expect((await submit(gw.url, token, buildPacs008({}))).status).toBe(202);
  });

  it("a failed readiness is a 503 problem that names what is down, with Terminus' details and no secret", async () => {
    const gw = await start({
      DATA_DIR: tempDir('s3-down'),
      MODE: 'core',
      ARCHIVE: 's3',
      S3_BUCKET: 'clearway-edge',
      S3_FORCE_PATH_STYLE: 'true',
      AWS_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${await freePort()}`,
      AWS_ACCESS_KEY_ID: 'AKIDEDGEEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'edge-secret-access-key-value',
    });
    const res = await fetch(`${gw.url}/health/ready`);
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const text = await res.text();
    const problem = JSON.parse(text) as Record<string, unknown>;
    expect(problem).toMatchObject({ status: 503, code: 'HEALTH.NOT_READY', down: ['s3'], error: { s3: { status: 'down' } } });
    expect(problem.detail).toBe('not ready: s3 down');
    expect(Object.keys(problem.info as object)).toEqual(expect.arrayContaining(['store', 'queue', 'secrets']));
    expect(text).not.toMatch(/edge-secret-access-key-value|AKIDEDGEEXAMPLE/);
  });
});

describe('tokens and keys', () => {
  it("two gateways on different ports, one data dir, accept each other's tokens (the default issuer has no port)", async () => {
    const dataDir = tempDir('two-ports');
    const a = await start({ DATA_DIR: dataDir, MODE: 'core' });
    const b = await start({ DATA_DIR: dataDir, MODE: 'core' });
    expect(a.url).not.toBe(b.url);
    const fromA = await tokenFor(a.url, 'bank-a');
    const fromB = await tokenFor(b.url, 'bank-a');
    expect(await listStatus(b.url, fromA)).toBe(200);
    expect(await listStatus(a.url, fromB)).toBe(200);
  });

  it('refuses a token with alg none, HS256, a wrong typ or a wrong issuer (a well-made one is taken)', async () => {
    const dataDir = tempDir('forged');
    const gw = await start({ DATA_DIR: dataDir, MODE: 'core' });
    const current = storedKey(dataDir, 'auth-signing-key');
    expect(await listStatus(gw.url, await forge(current))).toBe(200);

    const part = (o: object) => base64url.encode(JSON.stringify(o));
    const claims = { sub: 'bank-a', scope: 'payments:read', iss: 'clearway', aud: 'clearway', exp: Math.floor(Date.now() / 1000) + 300 };
    const none = `${part({ alg: 'none', typ: 'at+jwt', kid: current.kid })}.${part(claims)}.`;
    expect(await listStatus(gw.url, none)).toBe(401);

    // HS256 keyed with what the JWKS publishes (the algorithm-confusion attack)
    const jwks = (await (await fetch(`${gw.url}/.well-known/jwks.json`)).json()) as { keys: JWK[] };
    const hs = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: current.kid! })
      .sign(new TextEncoder().encode(JSON.stringify(jwks.keys[0])));
    expect(await listStatus(gw.url, hs)).toBe(401);

    expect(await listStatus(gw.url, await forge(current, { typ: 'JWT' }))).toBe(401);
    expect(await listStatus(gw.url, await forge(current, { typ: undefined }))).toBe(401);
    expect(await listStatus(gw.url, await forge(current, {}, { iss: 'http://localhost:8080' }))).toBe(401);
  });

  it('publishes two keys (current and next); after npm run keys:rotate it signs with the next one, and every token stays good', async () => {
    const dataDir = tempDir('rotate');
    const gw = await start({ DATA_DIR: dataDir, MODE: 'core' });
    const kids = async () => ((await (await fetch(`${gw.url}/.well-known/jwks.json`)).json()) as { keys: JWK[] }).keys.map((k) => k.kid);
    const [current, next] = await kids();
    expect(await kids()).toHaveLength(2);
    expect(current).not.toBe(next);
    const before = await tokenFor(gw.url, 'bank-a');
    expect(headerOf(before).kid).toBe(current);
    // a token of the next key is taken already, before it signs anything here (another instance may rotate first)
    expect(await listStatus(gw.url, await forge(storedKey(dataDir, 'auth-signing-key-next')))).toBe(200);

    const rotated = await run(ROTATE_MAIN, { DATA_DIR: dataDir, MODE: 'core' });
    expect(rotated).toMatchObject({ code: 0 });
    expect(rotated.output).toContain(`signing with ${next}`);

    // the running gateway picks the rotation up without a restart
    let after = '';
    await eventually('a token signed with the former next key', async () => {
      after = await tokenFor(gw.url, 'bank-a');
      return headerOf(after).kid === next;
    });
    expect(await listStatus(gw.url, after)).toBe(200);
    expect(await listStatus(gw.url, before)).toBe(200); // signed before the rotation: accepted for its lifetime
    const published = await kids();
    expect(published.slice(0, 2)).toEqual([next, storedKey(dataDir, 'auth-signing-key-next').kid]);
    expect(published).toContain(current); // the retired key, while tokens it signed may be alive

    // a second rotation within the grace period is refused, and changes nothing
    const again = await run(ROTATE_MAIN, { DATA_DIR: dataDir, MODE: 'core' });
    expect(again.code).toBe(1);
    expect(again.output).toContain('grace period');
    expect(storedKey(dataDir, 'auth-signing-key').kid).toBe(next);
  });
});

describe('small leaks', () => {
  it('refuses LEGACY_HOST_URL with credentials at start, pointing to LEGACY_HOST_AUTH_SECRET, without echoing the password', async () => {
    const { code, output } = await run(GATEWAY_MAIN, {
      DATA_DIR: tempDir('host-creds'),
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      LEGACY_HOST_URL: 'http://clearway:hunter2-edge-password@127.0.0.1:9/',
    });
    expect(code).toBe(2);
    expect(output).toContain('LEGACY_HOST_AUTH_SECRET');
    expect(output).not.toContain('hunter2-edge-password');
  });

  it('keeps the data dir 0700 and the SQLite database, -wal and -shm files 0600', async () => {
    const dataDir = tempDir('modes');
    const gw = await start({ DATA_DIR: dataDir, MODE: 'core' });
    const token = await tokenFor(gw.url, 'bank-a');
    expect((await submit(gw.url, token, buildPacs008({}))).status).toBe(202);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    for (const file of ['clearway.db', 'clearway.db-wal', 'clearway.db-shm']) {
      expect([file, statSync(join(dataDir, file)).mode & 0o777]).toEqual([file, 0o600]);
    }
  });
});

describe('transactions per message', () => {
  it('refuses a pain.001 over the cap with 422 MESSAGE.TOO_MANY_TRANSACTIONS and stores nothing; one at the cap is taken', async () => {
    const gw = await start({ DATA_DIR: tempDir('pain-cap'), MODE: 'core', MAX_TRANSACTIONS_PER_MESSAGE: '3' });
    const token = await tokenFor(gw.url, 'bank-a');
    const over = await submit(gw.url, token, pain001WithTransactions(4).xml);
    expect(over.status).toBe(422);
    expect(over.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await over.json()) as { code: string; detail: string; transactionId?: string };
    expect(problem.code).toBe('MESSAGE.TOO_MANY_TRANSACTIONS');
    expect(problem.detail).toContain('4 transactions; at most 3');
    expect(problem.transactionId).toBeUndefined();
    const list = async () =>
      ((await (await fetch(`${gw.url}/v1/transactions`, { headers: bearer(token) })).json()) as { items: unknown[] }).items;
    expect(await list()).toEqual([]);

    const atCap = await submit(gw.url, token, pain001WithTransactions(3).xml);
    expect(atCap.status).toBe(202);
    expect(await list()).toHaveLength(4); // the initiation and its three payments
  });

  it('holds to the default cap of 250', async () => {
    const gw = await start({ DATA_DIR: tempDir('pain-default'), MODE: 'core' });
    const token = await tokenFor(gw.url, 'bank-a');
    const res = await submit(gw.url, token, pain001WithTransactions(251).xml);
    expect(res.status).toBe(422);
    expect(((await res.json()) as { code: string }).code).toBe('MESSAGE.TOO_MANY_TRANSACTIONS');
  });
});
