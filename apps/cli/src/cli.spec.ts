// SPDX-License-Identifier: Apache-2.0
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { EMBEDDED_DATABASE_FILE } from '#adapters/embedded';
import { parseIds, referenceQuery, run, UsageError, type CliIo } from './cli.js';
import { deadLettersTable, EXIT, oneLine, redriveTable, table } from './format.js';
import { DATABASE_FILE } from './store-backup.js';

interface Call {
  method: string;
  url: string;
  body: unknown;
  authorization: string | null;
}

/** A gateway in memory: answers the token call and then each path from `routes`, recording the calls. */
function fakeGateway(routes: Record<string, (url: URL, body: unknown) => { status?: number; body: unknown }>) {
  const calls: Call[] = [];
  const fetchFn = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input));
    const headers = new Headers(init?.headers);
    const body = typeof init?.body === 'string' ? JSON.parse(init.body) : init?.body ? String(init.body) : undefined;
    calls.push({ method: init?.method ?? 'GET', url: url.pathname + url.search, body, authorization: headers.get('authorization') });
    if (url.pathname === '/oauth2/token') {
      return Response.json({ access_token: 'tok-1', token_type: 'Bearer', expires_in: 300 });
    }
    const route = routes[`${init?.method ?? 'GET'} ${url.pathname}`];
    if (!route) return Response.json({ code: 'REQUEST.NOT_FOUND', detail: 'no route' }, { status: 404 });
    const r = route(url, body);
    return Response.json(r.body, { status: r.status ?? 200 });
  }) as typeof fetch;
  return { calls, fetchFn };
}

function io(fetchFn?: typeof fetch, env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const cli: CliIo = {
    stdout: { write: (s: string) => out.push(s) > 0 },
    stderr: { write: (s: string) => err.push(s) > 0 },
    env: { CLEARWAY_CLIENT_ID: 'operator', CLEARWAY_CLIENT_SECRET: 'operator-secret-0006', CLEARWAY_URL: 'http://gw.test', ...env },
    stderrIsTTY: false,
    ...(fetchFn ? { fetch: fetchFn } : {}),
  };
  return { cli, out: () => out.join(''), err: () => err.join('') };
}

const tx = (id: string, clientId: string) => ({
  transactionId: id,
  clientId,
  status: 'ACSC',
  messageType: 'pacs.008.001.08',
  uetr: '5b8b7e3f-3c1f-4d8e-9a4b-2f1e0c9d8a71',
  msgId: 'MSG-1',
  endToEndId: 'E2E-1',
  amount: { value: '100.00', currency: 'EUR' },
  updatedAt: '2026-11-22T10:00:00.000Z',
});

describe('clearway CLI', () => {
  it('lists its commands in --help and exits 0', async () => {
    const t = io();
    await expect(run(['--help'], t.cli)).resolves.toBe(EXIT.OK);
    for (const c of ['status', 'payments', 'routes', 'dlq', 'redrive', 'export', 'backup', 'restore']) expect(t.out()).toContain(c);
    expect(t.out()).toContain('Exit codes: 0 ok, 1 error, 2 usage, 3 nothing found');
  });

  it('exits 2 on a wrong command line, before any call', async () => {
    const { calls, fetchFn } = fakeGateway({});
    for (const argv of [
      ['nonsense'],
      ['payments', 'find'],
      ['payments', 'find', '--uetr', 'u', '--msg-id', 'm'],
      ['redrive'],
      ['redrive', '--ids', 'not-a-uuid'],
      ['export', '--status', 'DONE'],
      ['dlq', 'list', '--limit', '-3'],
    ]) {
      await expect(run(argv, io(fetchFn).cli)).resolves.toBe(EXIT.USAGE);
    }
    expect(calls).toEqual([]);
  });

  it('exits 2 when no credentials are given', async () => {
    const t = io(undefined, { CLEARWAY_CLIENT_ID: '', CLEARWAY_CLIENT_SECRET: '' });
    await expect(run(['dlq', 'list'], t.cli)).resolves.toBe(EXIT.USAGE);
    expect(t.err()).toContain('credentials needed');
  });

  it('finds payments by reference with a bearer token, and exits 3 when nothing matches', async () => {
    let answer = [tx('t-1', 'bank-a'), tx('t-2', 'bank-b')];
    const { calls, fetchFn } = fakeGateway({ 'GET /v1/operator/payments': () => ({ body: { items: answer } }) });
    const t = io(fetchFn);
    await expect(run(['--json', 'payments', 'find', '--e2e-id', 'E2E-1'], t.cli)).resolves.toBe(EXIT.OK);
    expect(JSON.parse(t.out())).toEqual(answer);
    expect(calls[0]).toMatchObject({
      method: 'POST',
      url: '/oauth2/token',
      authorization: `Basic ${Buffer.from('operator:operator-secret-0006').toString('base64')}`,
    });
    expect(calls[1]).toMatchObject({ url: '/v1/operator/payments?endToEndId=E2E-1', authorization: 'Bearer tok-1' });
    answer = [];
    const none = io(fetchFn);
    await expect(run(['payments', 'find', '--uetr', 'x'], none.cli)).resolves.toBe(EXIT.PARTIAL);
    expect(none.err()).toContain('nothing found');
  });

  it('prints the connectors of the routing table, and says when there is none', async () => {
    const connector = (id: string, state: string, hours: unknown) => ({
      id,
      transport: 'http',
      endpoint: `http://127.0.0.1:900${id.length}`,
      circuit: { state, openUntil: state === 'open' ? '2026-11-22T10:00:30.000Z' : null },
      hours,
      recent: { calls: 40, failures: 10, errorRate: 0.25 },
    });
    let routing = true;
    const { calls, fetchFn } = fakeGateway({
      'GET /v1/routes': () => ({
        body: routing
          ? {
              routing,
              connectors: [
                connector('rtgs', 'open', null),
                connector('wallet', 'closed', { open: false, reason: 'cut-off', opensAt: '2026-11-23T07:00:00.000Z' }),
              ],
              default: ['rtgs'],
            }
          : { routing, connectors: [], default: [] },
      }),
    });
    const t = io(fetchFn);
    await expect(run(['routes'], t.cli)).resolves.toBe(EXIT.OK);
    expect(t.out()).toMatch(/rtgs\s+http\s+open until 2026-11-22T10:00:30.000Z\s+always\s+40\s+25.0%/);
    expect(t.out()).toMatch(/wallet\s+http\s+closed\s+closed until 2026-11-23T07:00:00.000Z/);
    expect(calls.some((c) => c.url === '/v1/routes')).toBe(true);
    routing = false;
    const none = io(fetchFn);
    await expect(run(['routes'], none.cli)).resolves.toBe(EXIT.OK);
    expect(none.err()).toContain('no routing table');
  });

  it('follows the dead-letter pages', async () => {
    const dl = (id: string) => ({
      transactionId: id,
      jobType: 'payment.release',
      reason: 'host down',
      attempts: 8,
      at: '2026-11-22T10:00:00.000Z',
      clientId: 'bank-a',
      status: 'ACTC',
    });
    const { calls, fetchFn } = fakeGateway({
      'GET /v1/operator/dead-letters': (url) =>
        url.searchParams.get('cursor')
          ? { body: { items: [dl('t-2')], nextCursor: null } }
          : { body: { items: [dl('t-1')], nextCursor: 'c1' } },
    });
    const t = io(fetchFn);
    await expect(run(['--json', 'dlq', 'list'], t.cli)).resolves.toBe(EXIT.OK);
    expect((JSON.parse(t.out()) as { transactionId: string }[]).map((d) => d.transactionId)).toEqual(['t-1', 't-2']);
    expect(calls.filter((c) => c.url.startsWith('/v1/operator/dead-letters'))).toHaveLength(2);
  });

  it('re-drives named ids in batches, sends dryRun, and exits 3 when some were skipped', async () => {
    const ids = Array.from({ length: 150 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    const { calls, fetchFn } = fakeGateway({
      'POST /v1/operator/redrive': (_u, body) => {
        const b = body as { transactionIds: string[]; dryRun: boolean };
        return {
          body: {
            items: b.transactionIds.map((id, i) =>
              i === 0
                ? { transactionId: id, outcome: 'skipped', reason: 'live job' }
                : { transactionId: id, outcome: 'redriven', via: 'next-step', jobType: 'payment.release' },
            ),
          },
        };
      },
    });
    const t = io(fetchFn);
    await expect(run(['--json', 'redrive', '--dry-run', '--ids', ids.slice(0, 75).join(','), ...ids.slice(75)], t.cli)).resolves.toBe(
      EXIT.PARTIAL,
    );
    const posts = calls.filter((c) => c.method === 'POST' && c.url === '/v1/operator/redrive');
    expect(posts.map((p) => (p.body as { transactionIds: string[] }).transactionIds.length)).toEqual([100, 50]);
    expect(posts.every((p) => (p.body as { dryRun: boolean }).dryRun === true)).toBe(true);
    expect(JSON.parse(t.out())).toMatchObject({ dryRun: true, redriven: 148, skipped: 2 });
  });

  it('exits 1 with the problem when the gateway refuses (a client without the operator scope)', async () => {
    const { fetchFn } = fakeGateway({
      'GET /v1/operator/dead-letters': () => ({
        status: 403,
        body: { code: 'AUTH.INSUFFICIENT_SCOPE', detail: 'this call needs the scope operator' },
      }),
    });
    const t = io(fetchFn);
    await expect(run(['dlq', 'list'], t.cli)).resolves.toBe(EXIT.ERROR);
    expect(t.err()).toContain('AUTH.INSUFFICIENT_SCOPE');
    expect(t.err()).not.toContain('operator-secret-0006');
  });

  it("exports every client's transactions as JSON lines through every page of GET /v1/operator/payments", async () => {
    const { calls, fetchFn } = fakeGateway({
      'GET /v1/operator/payments': (url) =>
        url.searchParams.get('cursor') === 'n'
          ? { body: { items: [tx('t-3', 'bank-b')], nextCursor: null } }
          : { body: { items: [tx('t-1', 'bank-a'), tx('t-2', 'bank-b')], nextCursor: 'n' } },
    });
    const t = io(fetchFn);
    await expect(run(['export', '--status', 'ACSC', '--from', '2026-11-01T00:00:00Z'], t.cli)).resolves.toBe(EXIT.OK);
    const lines = t.out().trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l) as { transactionId: string; clientId: string })).toMatchObject([
      { transactionId: 't-1', clientId: 'bank-a' },
      { transactionId: 't-2', clientId: 'bank-b' },
      { transactionId: 't-3', clientId: 'bank-b' },
    ]);
    expect(calls.slice(1).map((c) => c.url)).toEqual([
      '/v1/operator/payments?status=ACSC&since=2026-11-01T00%3A00%3A00Z&limit=500',
      '/v1/operator/payments?status=ACSC&since=2026-11-01T00%3A00%3A00Z&limit=500&cursor=n',
    ]);
    expect(t.err()).toContain('exported 3 transactions');
  });

  it("exports the calling client's own transactions with --own, through GET /v1/transactions", async () => {
    const { calls, fetchFn } = fakeGateway({
      'GET /v1/transactions': (url) =>
        url.searchParams.get('cursor')
          ? { body: { items: [tx('t-3', 'x')], nextCursor: null } }
          : { body: { items: [tx('t-1', 'x'), tx('t-2', 'x')], nextCursor: 'n' } },
    });
    const t = io(fetchFn);
    await expect(run(['export', '--own', '--status', 'ACSC'], t.cli)).resolves.toBe(EXIT.OK);
    const lines = t.out().trimEnd().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { transactionId: string }).transactionId)).toEqual(['t-1', 't-2', 't-3']);
    expect(calls[1]!.url).toBe('/v1/transactions?status=ACSC&limit=200');
    expect(t.err()).toContain('exported 3 transactions');
  });

  it('says how to export without the operator scope when the export across clients is refused', async () => {
    const { fetchFn } = fakeGateway({
      'GET /v1/operator/payments': () => ({ status: 403, body: { code: 'AUTH.INSUFFICIENT_SCOPE', detail: 'needs operator' } }),
    });
    const t = io(fetchFn);
    await expect(run(['export'], t.cli)).resolves.toBe(EXIT.ERROR);
    expect(t.out()).toBe('');
    expect(t.err()).toContain('AUTH.INSUFFICIENT_SCOPE');
    expect(t.err()).toContain('--own');
  });

  it('backs up and restores the store, refusing to overwrite without --force and while the database is open', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clearway-cli-'));
    const data = join(dir, 'data');
    const fresh = join(dir, 'fresh');
    for (const d of [data, fresh]) mkdirSync(d);
    const db = new DatabaseSync(join(data, DATABASE_FILE));
    db.exec("PRAGMA journal_mode = WAL; CREATE TABLE t (x TEXT); INSERT INTO t VALUES ('kept')");
    const file = join(dir, 'backup.db');
    // online: the source is open (as under a running gateway)
    await expect(run(['backup', file, '--data-dir', data], io().cli)).resolves.toBe(EXIT.OK);
    await expect(run(['backup', file, '--data-dir', data], io().cli)).resolves.toBe(EXIT.USAGE);
    // restore into a directory whose database is open: refused, even with --force
    await expect(run(['restore', file, '--data-dir', data, '--force'], io().cli)).resolves.toBe(EXIT.USAGE);
    db.close();
    await expect(run(['restore', file, '--data-dir', data], io().cli)).resolves.toBe(EXIT.USAGE);
    const t = io();
    await expect(run(['--json', 'restore', file, '--data-dir', fresh], t.cli)).resolves.toBe(EXIT.OK);
    expect(JSON.parse(t.out())).toMatchObject({ integrity: 'ok' });
    const restored = new DatabaseSync(join(fresh, DATABASE_FILE), { readOnly: true });
    expect(restored.prepare('SELECT x FROM t').all()).toEqual([{ x: 'kept' }]);
    restored.close();
    // a file that is not a database: refused, nothing written
    const junk = join(dir, 'junk.db');
    writeFileSync(junk, 'not a database at all, just text '.repeat(200));
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    await expect(run(['restore', junk, '--data-dir', empty], io().cli)).resolves.toBe(EXIT.ERROR);
    expect(existsSync(join(empty, DATABASE_FILE))).toBe(false);
  });

  it('names the same database file as the embedded adapters', () => {
    expect(DATABASE_FILE).toBe(EMBEDDED_DATABASE_FILE);
  });
});

describe('clearway CLI parsing and formatting', () => {
  it('reads ids separated by spaces or commas, once each, in lower case', () => {
    expect(
      parseIds(['00000000-0000-4000-8000-00000000000A,00000000-0000-4000-8000-00000000000b', '00000000-0000-4000-8000-00000000000a']),
    ).toEqual(['00000000-0000-4000-8000-00000000000a', '00000000-0000-4000-8000-00000000000b']);
    expect(() => parseIds(['x'])).toThrow(UsageError);
  });

  it('maps --e2e-id to endToEndId and wants exactly one reference', () => {
    expect(referenceQuery({ e2eId: 'E' })).toEqual({ endToEndId: 'E' });
    expect(referenceQuery({ msgId: 'M' })).toEqual({ msgId: 'M' });
    expect(() => referenceQuery({})).toThrow(UsageError);
    expect(() => referenceQuery({ uetr: 'u', e2eId: 'e' })).toThrow(UsageError);
  });

  it('pads table columns and keeps a reason on one short line', () => {
    expect(table(['A', 'BB'], [['xxx', 'y']])).toBe('A    BB\nxxx  y');
    expect(oneLine('a\n  b', 10)).toBe('a b');
    expect(oneLine('abcdefghijkl', 5)).toBe('abcd…');
    expect(
      deadLettersTable([
        { transactionId: 't', jobType: 'payment.release', reason: 'x\ny', attempts: 8, at: 'now', clientId: null, status: null },
      ]),
    ).toContain('t            -       -       payment.release  8         now  x y');
    expect(redriveTable([{ transactionId: 't', outcome: 'skipped', reason: 'live job' }], true)).toContain('skip');
  });
});
