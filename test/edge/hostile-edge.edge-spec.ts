// SPDX-License-Identifier: Apache-2.0
/**
 * The HTTP edge against hostile traffic (issue 10, points 6-8), on the built gateway process: token throttling,
 * slow and unauthenticated bodies, the connection cap, security headers, the request id, forwarded headers,
 * the HTTPS listener and its reload on SIGHUP, and the /docs switch.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { copyFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as netConnect, type Socket } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { freePort, jsonLogLines, REPO_ROOT, startGateway, TEST_CLIENTS, tempDir, type NodeProcess } from '../support/processes.js';
import { makeTestPki, type TestPki } from '../support/test-certs.js';

const secretOf = (id: string) => TEST_CLIENTS.find((c) => c.id === id)!.secret;
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  json: () => Record<string, unknown>;
}

interface CallOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** The local address to connect from (127.0.0.x: another source on the loopback). */
  localAddress?: string;
  /** For https: the CA to trust. */
  ca?: string;
}

/** One request on its own connection (no pooling: the connection cap and throttling see exactly these). */
function call(url: string, opts: CallOptions = {}): Promise<Answer> {
  const u = new URL(url);
  const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      u,
      {
        method: opts.method ?? 'GET',
        headers: { ...(opts.body !== undefined ? { 'content-length': String(Buffer.byteLength(opts.body)) } : {}), ...opts.headers },
        agent: false,
        ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
        ...(opts.ca ? { ca: opts.ca } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) as Record<string, unknown> });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

function tokenRequest(url: string, id: string, secret: string, opts: CallOptions = {}): Promise<Answer> {
  return call(`${url}/oauth2/token`, {
    ...opts,
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(id, secret), ...opts.headers },
    body: 'grant_type=client_credentials',
  });
}

async function tokenOf(url: string, id: string, opts: CallOptions = {}): Promise<string> {
  const res = await tokenRequest(url, id, secretOf(id), opts);
  if (res.status !== 200) throw new Error(`token for ${id}: HTTP ${res.status} ${res.body}`);
  return res.json().access_token as string;
}

/** A raw connection: what the server sends, and whether (and when, relative to our writes) it closed. */
class RawConnection {
  readonly socket: Socket;
  received = '';
  closed: Promise<void>;
  private opened: Promise<void>;

  constructor(port: number, localAddress?: string) {
    this.socket = netConnect({ port, host: '127.0.0.1', ...(localAddress ? { localAddress } : {}) });
    this.socket.on('data', (d: Buffer) => (this.received += d.toString('latin1')));
    this.socket.on('error', () => undefined); // a reset is one way of being closed
    this.closed = new Promise((r) => this.socket.once('close', () => r()));
    this.opened = new Promise((r) => this.socket.once('connect', () => r()));
  }

  async open(): Promise<this> {
    await Promise.race([this.opened, this.closed]);
    return this;
  }

  write(text: string): void {
    if (!this.socket.destroyed) this.socket.write(text);
  }

  /** Resolves once `received` matches. */
  async until(pattern: RegExp): Promise<string> {
    while (!pattern.test(this.received)) {
      if (this.socket.destroyed && !pattern.test(this.received)) throw new Error(`closed without ${pattern}: ${this.received}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.received;
  }
}

/** Retries an assertion on what the process wrote (its log lines may follow the answer by a moment). */
async function eventually(assertion: () => void, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      assertion();
      return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

const statusOf = (raw: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0);
const headerOf = (raw: string, name: string) => new RegExp(`^${name}: *(.*)$`, 'im').exec(raw.split('\r\n\r\n')[0] ?? '')?.[1]?.trim();

/** A gateway over HTTPS: started and waited for over TLS (trusting the test CA), as NodeProcess does over HTTP. */
class TlsGateway {
  private output = '';
  private exited: Promise<void>;

  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
  ) {
    child.stdout?.on('data', (d: Buffer) => (this.output = (this.output + d.toString()).slice(-20_000)));
    child.stderr?.on('data', (d: Buffer) => (this.output = (this.output + d.toString()).slice(-20_000)));
    this.exited = new Promise((r) => child.once('exit', () => r()));
  }

  static async start(env: Record<string, string>, ca: string): Promise<TlsGateway> {
    const port = await freePort();
    const child = spawn(process.execPath, [join(REPO_ROOT, 'dist/apps/gateway/src/main.js')], {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        LOG_LEVEL: 'log',
        PORT: String(port),
        HOST: '127.0.0.1',
        CLEARWAY_CLIENTS: JSON.stringify(TEST_CLIENTS),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const gw = new TlsGateway(child, `https://127.0.0.1:${port}`);
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        if ((await call(`${gw.url}/health/live`, { ca })).status === 200) return gw;
      } catch {
        // not listening yet
      }
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`the TLS gateway did not start\n${gw.output}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  logs(): string {
    return this.output;
  }

  async kill(): Promise<void> {
    if (this.child.exitCode !== null) return;
    this.child.kill('SIGTERM');
    await this.exited;
  }
}

/** The SHA-256 fingerprint of the certificate the listener presents now. */
function presentedFingerprint(url: string): Promise<string> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: u.hostname, port: Number(u.port), rejectUnauthorized: false }, () => {
      const fp = s.getPeerCertificate().fingerprint256;
      s.end();
      resolve(fp);
    });
    s.on('error', reject);
  });
}

function fingerprintOf(pem: string): string {
  return new X509Certificate(pem).fingerprint256;
}

describe('the HTTP edge, plain HTTP, no trusted proxy (small timeouts)', () => {
  let gw: NodeProcess;
  let token: string;

  beforeAll(async () => {
    gw = await startGateway({
      MODE: 'core',
      DATA_DIR: tempDir('edge-plain'),
      LOG_LEVEL: 'warn',
      AUTH_THROTTLE_FAILURES: '3',
      AUTH_THROTTLE_MAX_SECONDS: '60',
      REQUEST_TIMEOUT_MS: '1500',
      HEADERS_TIMEOUT_MS: '1000',
      CONNECTION_IDLE_TIMEOUT_MS: '3000',
      KEEP_ALIVE_TIMEOUT_MS: '1000',
      API_DOCS: 'public',
    });
    token = await tokenOf(gw.url, 'bank-a');
  });

  afterAll(async () => {
    await gw?.kill();
  });

  it('puts the security headers and an X-Request-Id on every answer (success, problem, 404)', async () => {
    for (const [path, auth, status] of [
      ['/health/live', false, 200],
      ['/v1/transactions', true, 200],
      ['/v1/transactions', false, 401],
      ['/v1/no-such-route', true, 404],
    ] as const) {
      const res = await call(`${gw.url}${path}`, { headers: auth ? { authorization: `Bearer ${token}` } : {} });
      expect([path, res.status]).toEqual([path, status]);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['content-security-policy']).toContain("default-src 'none'");
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      // plain HTTP: no HSTS
      expect(res.headers['strict-transport-security']).toBeUndefined();
    }
  });

  it('echoes a sane X-Request-Id, puts it in the problem body, and replaces one that is not sane', async () => {
    const res = await call(`${gw.url}/v1/transactions?limit=none`, {
      headers: { authorization: `Bearer ${token}`, 'x-request-id': 'trace-0001.edge' },
    });
    expect(res.status).toBe(400);
    expect(res.headers['x-request-id']).toBe('trace-0001.edge');
    expect(res.json()).toMatchObject({ status: 400, requestId: 'trace-0001.edge' });

    const unauth = await call(`${gw.url}/v1/transactions`, { headers: { 'x-request-id': 'trace-0002' } });
    expect(unauth.json()).toMatchObject({ status: 401, code: 'AUTH.INVALID_TOKEN', requestId: 'trace-0002' });

    const insane = await call(`${gw.url}/health/live`, { headers: { 'x-request-id': `${'x'.repeat(200)}` } });
    expect(insane.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const made = await call(`${gw.url}/v1/transactions?limit=none`, { headers: { authorization: `Bearer ${token}` } });
    expect(made.json().requestId).toBe(made.headers['x-request-id']);
  });

  it('a CSP on /docs that lets Swagger UI load its own scripts and styles', async () => {
    const res = await call(`${gw.url}/docs`);
    expect(res.status).toBe(200);
    expect(res.body).toContain('swagger-ui-bundle.js');
    const csp = res.headers['content-security-policy'] as string;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self' 'unsafe-inline'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('ignores X-Forwarded-Host/-Proto/-For from a peer that is not a trusted proxy', async () => {
    const res = await call(`${gw.url}/uuid`, {
      headers: {
        authorization: `Bearer ${token}`,
        'x-forwarded-host': 'evil.example',
        'x-forwarded-proto': 'https',
        'x-forwarded-for': '203.0.113.50',
      },
    });
    expect(res.status).toBe(200);
    expect(res.json().api_endpoint).toBe(gw.url);
    expect(res.headers['strict-transport-security']).toBeUndefined();
  });

  it('refuses an unauthenticated upload before its body is read: 401 and the connection closed, no body sent', async () => {
    for (const path of ['/v1/inbox', '/inbox']) {
      const c = await new RawConnection(Number(new URL(gw.url).port)).open();
      // the headers announce 1 MB; not one byte of it is sent
      c.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/xml\r\nContent-Length: 1048576\r\n\r\n`);
      const raw = await c.until(/\r\n\r\n[\s\S]*\}$/);
      await c.closed;
      expect(statusOf(raw)).toBe(401);
      expect(headerOf(raw, 'connection')).toBe('close');
      expect(headerOf(raw, 'www-authenticate')).toContain('Bearer');
      expect(c.socket.bytesWritten).toBeLessThan(200);
    }
  });

  it('refuses a bad bearer token before the body too, and logs the reason and source without the token', async () => {
    const forged = `${token.slice(0, -8)}AAAAAAAA`;
    const c = await new RawConnection(Number(new URL(gw.url).port)).open();
    c.write(
      `POST /v1/inbox HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${forged}\r\nContent-Type: application/xml\r\nContent-Length: 1048576\r\n\r\n`,
    );
    const raw = await c.until(/\r\n\r\n[\s\S]*\}$/);
    await c.closed;
    expect(statusOf(raw)).toBe(401);
    await eventually(() =>
      expect(jsonLogLines(gw.logs())).toContainEqual(
        expect.objectContaining({
          level: 'warn',
          msg: 'authentication failed',
          reason: 'bearer token refused: signature does not verify',
          source: '127.0.0.1',
          method: 'POST',
          path: '/v1/inbox',
        }),
      ),
    );
    expect(gw.logs()).not.toContain(forged);
    expect(gw.logs()).not.toContain(token);
  });

  it('closes a slow body with 408 when REQUEST_TIMEOUT_MS is over (authenticated, and at the token endpoint)', async () => {
    for (const [path, auth] of [
      ['/v1/inbox', `Authorization: Bearer ${token}\r\n`],
      ['/oauth2/token', ''],
    ] as const) {
      const c = await new RawConnection(Number(new URL(gw.url).port)).open();
      c.write(`POST ${path} HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/xml\r\nContent-Length: 100000\r\n\r\n<`);
      // one byte at a time, never finishing; the timeout must end it (the jest timeout is the bound)
      const drip = setInterval(() => c.write('a'), 100);
      try {
        await c.closed;
      } finally {
        clearInterval(drip);
      }
      expect(statusOf(c.received)).toBe(408);
      expect(c.received).toContain('REQUEST.TIMEOUT');
    }
  });

  it('closes a connection that never finishes its headers, and one that sends nothing', async () => {
    const port = Number(new URL(gw.url).port);
    const slow = await new RawConnection(port).open();
    slow.write('GET /health/live HTTP/1.1\r\nHost: x\r\n');
    const silent = await new RawConnection(port).open();
    await Promise.all([slow.closed, silent.closed]);
    expect(statusOf(slow.received)).toBe(408);
  });

  it('logs failed client authentications with client id and source, never the secret', async () => {
    const res = await tokenRequest(gw.url, 'bank-b', 'not-the-secret-42', { localAddress: '127.0.0.9' });
    expect(res.status).toBe(401);
    await eventually(() =>
      expect(jsonLogLines(gw.logs())).toContainEqual(
        expect.objectContaining({
          level: 'warn',
          msg: 'authentication failed',
          endpoint: 'token',
          reason: 'unknown client or wrong secret',
          clientId: 'bank-b',
          source: '127.0.0.9',
        }),
      ),
    );
    expect(gw.logs()).not.toContain('not-the-secret-42');
  });

  it('throttles a source after N failures with 429 and Retry-After, even when it names other client ids or spoofs X-Forwarded-For', async () => {
    const source = { localAddress: '127.0.0.3' };
    for (const [i, id] of ['nobody-1', 'nobody-2', 'nobody-3'].entries()) {
      const res = await tokenRequest(gw.url, id, 'wrong-secret-xyz', { ...source, headers: { 'x-forwarded-for': `198.51.100.${i}` } });
      expect(res.status).toBe(401);
    }
    // the right secret of a client whose id is not locked: the source is
    const locked = await tokenRequest(gw.url, 'ledger-ops', secretOf('ledger-ops'), source);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(locked.json()).toMatchObject({ status: 429, code: 'AUTH.THROTTLED', error: 'temporarily_unavailable' });
    // another source is not affected
    expect((await tokenRequest(gw.url, 'ledger-ops', secretOf('ledger-ops'), { localAddress: '127.0.0.4' })).status).toBe(200);
  });

  it('throttles a client id after N failures from many sources, while other clients go on', async () => {
    for (const n of [11, 12, 13]) {
      expect((await tokenRequest(gw.url, 'writer', 'wrong-secret-abc', { localAddress: `127.0.0.${n}` })).status).toBe(401);
    }
    // the right secret from a fresh source: the client id is locked
    const locked = await tokenRequest(gw.url, 'writer', secretOf('writer'), { localAddress: '127.0.0.14' });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await tokenRequest(gw.url, 'bank-b', secretOf('bank-b'), { localAddress: '127.0.0.14' })).status).toBe(200);
  });
});

describe('the HTTP edge over HTTPS behind a trusted proxy, /docs behind auth', () => {
  let pki: TestPki;
  let next: TestPki;
  let gw: TlsGateway;
  let certFile: string;
  let keyFile: string;

  beforeAll(async () => {
    pki = makeTestPki('edge-tls');
    next = makeTestPki('edge-tls-next');
    const dir = tempDir('edge-tls-files');
    certFile = join(dir, 'tls.crt');
    keyFile = join(dir, 'tls.key');
    copyFileSync(pki.server.certFile, certFile);
    copyFileSync(pki.server.keyFile, keyFile);
    gw = await TlsGateway.start(
      {
        MODE: 'core',
        DATA_DIR: tempDir('edge-tls'),
        TLS_CERT_FILE: certFile,
        TLS_KEY_FILE: keyFile,
        TRUSTED_PROXIES: '127.0.0.1',
        API_DOCS: 'auth',
        AUTH_THROTTLE_FAILURES: '3',
      },
      pki.ca,
    );
  });

  afterAll(async () => {
    await gw?.kill();
  });

  it('serves HTTPS with the configured certificate, with HSTS', async () => {
    expect(await presentedFingerprint(gw.url)).toBe(fingerprintOf(pki.server.cert));
    const res = await call(`${gw.url}/health/live`, { ca: pki.ca });
    expect(res.status).toBe(200);
    expect(res.headers['strict-transport-security']).toMatch(/^max-age=\d+/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('honours X-Forwarded-Host/-Proto from a trusted proxy', async () => {
    const token = await tokenOf(gw.url, 'bank-a', { ca: pki.ca });
    const res = await call(`${gw.url}/uuid`, {
      ca: pki.ca,
      headers: { authorization: `Bearer ${token}`, 'x-forwarded-host': 'api.bank.example', 'x-forwarded-proto': 'https' },
    });
    expect(res.status).toBe(200);
    expect(res.json().api_endpoint).toBe('https://api.bank.example');
  });

  it('throttles by the client address the trusted proxy forwards', async () => {
    const from = (ip: string) => ({ ca: pki.ca, headers: { 'x-forwarded-for': ip } });
    for (const id of ['a', 'b', 'c']) expect((await tokenRequest(gw.url, id, 'wrong-secret-000', from('203.0.113.7'))).status).toBe(401);
    const locked = await tokenRequest(gw.url, 'bank-a', secretOf('bank-a'), from('203.0.113.7'));
    expect(locked.status).toBe(429);
    expect(locked.headers['retry-after']).toBeDefined();
    expect((await tokenRequest(gw.url, 'bank-a', secretOf('bank-a'), from('203.0.113.8'))).status).toBe(200);
    await eventually(() =>
      expect(jsonLogLines(gw.logs())).toContainEqual(
        expect.objectContaining({ msg: 'authentication failed', endpoint: 'token', clientId: 'a', source: '203.0.113.7' }),
      ),
    );
  });

  it('puts /docs behind a bearer token (API_DOCS=auth)', async () => {
    expect((await call(`${gw.url}/docs`, { ca: pki.ca })).status).toBe(401);
    expect((await call(`${gw.url}/docs-json`, { ca: pki.ca })).status).toBe(401);
    const token = await tokenOf(gw.url, 'bank-b', { ca: pki.ca, headers: { 'x-forwarded-for': '203.0.113.20' } });
    const res = await call(`${gw.url}/docs`, { ca: pki.ca, headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(res.body).toContain('swagger-ui');
  });

  it('reloads the certificate on SIGHUP without dropping the listener', async () => {
    const before = await presentedFingerprint(gw.url);
    copyFileSync(next.server.certFile, certFile);
    copyFileSync(next.server.keyFile, keyFile);
    gw.child.kill('SIGHUP');
    const wanted = fingerprintOf(next.server.cert);
    let now = before;
    while (now !== wanted) {
      expect(gw.child.exitCode).toBeNull();
      await new Promise((r) => setTimeout(r, 50));
      now = await presentedFingerprint(gw.url);
    }
    expect(before).toBe(fingerprintOf(pki.server.cert));
    const res = await call(`${gw.url}/health/live`, { ca: next.ca });
    expect(res.status).toBe(200);
    await eventually(() => expect(gw.logs()).toContain('reloaded the TLS certificate'));
  });
});

describe('the HTTP edge: connection cap and /docs off', () => {
  let gw: NodeProcess;

  beforeAll(async () => {
    gw = await startGateway({
      MODE: 'core',
      DATA_DIR: tempDir('edge-cap'),
      MAX_CONNECTIONS_PER_SOURCE: '3',
      KEEP_ALIVE_TIMEOUT_MS: '60000',
      CONNECTION_IDLE_TIMEOUT_MS: '60000',
      API_DOCS: 'off',
    });
  });

  afterAll(async () => {
    await gw?.kill();
  });

  const liveRequest = 'GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n';

  it('holds at most MAX_CONNECTIONS_PER_SOURCE connections per source; another source is not affected', async () => {
    const port = Number(new URL(gw.url).port);
    const source = '127.0.0.21';
    const held: RawConnection[] = [];
    for (let i = 0; i < 3; i++) {
      const c = await new RawConnection(port, source).open();
      c.write(liveRequest);
      await c.until(/"status":"ok"/); // served, and kept open (keep-alive)
      held.push(c);
    }
    const fourth = await new RawConnection(port, source).open();
    fourth.write(liveRequest);
    await fourth.closed;
    // answered before anything is read: 503 with Retry-After, then closed
    expect(fourth.received).toMatch(/^HTTP\/1\.1 503 /);
    expect(fourth.received).toMatch(/\r\nRetry-After: 1\r\n/);
    expect(fourth.received).toContain('EDGE.TOO_MANY_CONNECTIONS');

    const elsewhere = await new RawConnection(port, '127.0.0.22').open();
    elsewhere.write(liveRequest);
    await elsewhere.until(/"status":"ok"/);
    elsewhere.socket.destroy();

    // one held connection ends: the source may connect again
    held[0]!.socket.destroy();
    await held[0]!.closed;
    for (;;) {
      const again = await new RawConnection(port, source).open();
      again.write(liveRequest);
      const served = await again.until(/"status":"ok"/).then(
        () => true,
        () => false,
      );
      again.socket.destroy();
      if (served) break;
    }
    for (const c of held) c.socket.destroy();
  });

  it('does not serve /docs with API_DOCS=off', async () => {
    const token = await tokenOf(gw.url, 'bank-a');
    expect((await call(`${gw.url}/docs`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(404);
    expect((await call(`${gw.url}/docs-json`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(404);
    expect((await call(`${gw.url}/docs`)).status).toBe(401);
  });
});
