// SPDX-License-Identifier: Apache-2.0
/**
 * `clearway`: the operator's command line (ADR 0019). API commands talk to a gateway over HTTP with client
 * credentials (the operator API needs the `operator` scope; so does `export`, which reads every client's transactions,
 * unless `--own` asks for the calling client's own);
 * `backup` and `restore` work on the embedded store's file in DATA_DIR; `migrate` on the PostgreSQL store's schema.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { Command, CommanderError, Option } from 'commander';
import cliProgress from 'cli-progress';
import { ApiClient, ApiError, type Fetch } from './api-client.js';
import {
  deadLettersTable,
  EXIT,
  json,
  redriveTable,
  transactionsTable,
  type DeadLetterLine,
  type RedriveItem,
  type TransactionLine,
  connectorsTable,
  type ConnectorLine,
} from './format.js';
import { migrateStore } from './migrate.js';
import { setSecret } from './secrets.js';
import { backupStore, restoreStore, StoreError, type Progress } from './store-backup.js';

export interface CliIo {
  stdout: Pick<Writable, 'write'>;
  stderr: Pick<Writable, 'write'>;
  env: Record<string, string | undefined>;
  /** Progress bars only when a person watches stderr. */
  stderrIsTTY: boolean;
  fetch?: Fetch;
  /** Standard input (`secrets set` reads the value from it). */
  stdin?: AsyncIterable<Buffer | string>;
}

/** A wrong command line found after parsing (conflicting or missing options): exit 2. */
export class UsageError extends Error {}

interface GlobalOptions {
  url?: string;
  clientId?: string;
  clientSecret?: string;
  json?: boolean;
}

const STATUSES = ['RCVD', 'ACTC', 'PDNG', 'ACSP', 'ACSC', 'RJCT', 'CANC'];
/** Transaction ids per re-drive request when ids are given (the bar moves per request). */
export const REDRIVE_BATCH = 100;

function positiveInt(name: string, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 0 || n > max)
      throw new UsageError(`${name} must be a whole number from 0 to ${max}`);
    return n;
  };
}

/** Transaction ids from --ids: UUIDs, separated by spaces or commas. */
export function parseIds(values: readonly string[]): string[] {
  const ids = values.flatMap((v) => v.split(/[\s,]+/)).filter(Boolean);
  const bad = ids.find((id) => !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id));
  if (bad) throw new UsageError(`not a transaction id: ${bad}`);
  return [...new Set(ids.map((id) => id.toLowerCase()))];
}

/** Exactly one of --uetr, --msg-id, --e2e-id, as the operator API's query. */
export function referenceQuery(o: { uetr?: string; msgId?: string; e2eId?: string }): Record<string, string> {
  const given: Record<string, string>[] = [];
  if (o.uetr !== undefined) given.push({ uetr: o.uetr });
  if (o.msgId !== undefined) given.push({ msgId: o.msgId });
  if (o.e2eId !== undefined) given.push({ endToEndId: o.e2eId });
  if (given.length !== 1) throw new UsageError('give exactly one of --uetr, --msg-id, --e2e-id');
  return given[0]!;
}

class Bars {
  constructor(private readonly io: CliIo) {}

  /** A bar over a known total, or a running count when `total` is null; nothing when stderr is not a terminal. */
  open(label: string, total: number | null): Progress & { increment(n?: number): void } {
    if (!this.io.stderrIsTTY) return { start() {}, update() {}, stop() {}, increment() {} };
    const bar = new cliProgress.SingleBar(
      {
        stream: this.io.stderr as NodeJS.WritableStream,
        format: total === null ? `${label} {value}` : `${label} [{bar}] {percentage}% {value}/{total}`,
        hideCursor: true,
        clearOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
    );
    let running = false;
    const start = (t: number) => {
      if (!running) bar.start(t, 0);
      running = true;
    };
    return {
      start,
      update: (done, t) => {
        start(t);
        bar.setTotal(t);
        bar.update(done);
      },
      increment: (n = 1) => {
        start(total ?? 0);
        bar.increment(n);
      },
      stop: () => {
        if (running) bar.stop();
        running = false;
      },
    };
  }
}

/** Runs the CLI on `argv` (without node and the script); resolves to the exit code. */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  let code: number = EXIT.OK;
  const out = (s: string) => io.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
  const say = (s: string) => io.stderr.write(`clearway: ${s}\n`);
  const bars = new Bars(io);

  const program = new Command('clearway')
    .description("Clearway operator's tool: find and re-drive troubled payments, export, back up and restore the embedded store")
    .version(io.env.npm_package_version ?? '0.1.0')
    .option('--url <url>', 'gateway base URL (env CLEARWAY_URL; default http://127.0.0.1:8080)')
    .option('--client-id <id>', 'API client id; the operator API needs the operator scope (env CLEARWAY_CLIENT_ID)')
    .option('--client-secret <secret>', 'API client secret (env CLEARWAY_CLIENT_SECRET)')
    .option('--json', 'machine-readable output (JSON) for scripts')
    .exitOverride()
    .configureOutput({ writeOut: (s) => void io.stdout.write(s), writeErr: (s) => void io.stderr.write(s) })
    .showHelpAfterError('(clearway --help lists the commands)')
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 1 error, 2 usage, 3 nothing found or partly done.\n' +
        'Credentials: --client-id/--client-secret or CLEARWAY_CLIENT_ID/CLEARWAY_CLIENT_SECRET; never put a secret in a shared shell history.',
    );

  const globals = (cmd: Command): GlobalOptions => cmd.optsWithGlobals<GlobalOptions>();
  const api = (cmd: Command): ApiClient => {
    const g = globals(cmd);
    const url = g.url ?? io.env.CLEARWAY_URL ?? 'http://127.0.0.1:8080';
    const clientId = g.clientId ?? io.env.CLEARWAY_CLIENT_ID;
    const clientSecret = g.clientSecret ?? io.env.CLEARWAY_CLIENT_SECRET;
    if (!clientId || !clientSecret)
      throw new UsageError('credentials needed: --client-id and --client-secret (or CLEARWAY_CLIENT_ID, CLEARWAY_CLIENT_SECRET)');
    return new ApiClient({ url, clientId, clientSecret }, io.fetch ?? fetch);
  };

  program
    .command('status')
    .description("the gateway's readiness and its work queue (backlog, jobs by state)")
    .action(async (_o, cmd: Command) => {
      const client = api(cmd);
      const ready = await (io.fetch ?? fetch)(`${client.baseUrl}/health/ready`).then(
        async (r) => ({ ready: r.ok, checks: (await r.json().catch(() => null)) as unknown }),
        (e: unknown) => ({ ready: false, checks: { error: (e as Error).message } }),
      );
      const queue = await client.get<{ backlog: Record<string, unknown>; counts: Record<string, number> | null; at: string }>(
        '/v1/operator/queue',
      );
      if (globals(cmd).json) out(json({ url: client.baseUrl, ...ready, queue }));
      else {
        out(`gateway  ${client.baseUrl}  ${ready.ready ? 'ready' : 'NOT READY'}`);
        const b = queue.backlog;
        out(
          `queue    due ${String(b.queued)}, in flight ${String(b.inflight)}, oldest due ${b.oldestQueuedMs === null ? '-' : `${String(b.oldestQueuedMs)} ms`}, completed in the last minute ${b.completedSince === null ? '-' : String(b.completedSince)}`,
        );
        if (queue.counts)
          out(
            `jobs     ${Object.entries(queue.counts)
              .map(([k, v]) => `${k} ${v}`)
              .join(', ')}`,
          );
      }
      if (!ready.ready) code = EXIT.ERROR;
    });

  const payments = program.command('payments').description("every client's payments (operator scope)");
  payments
    .command('find')
    .description('find transactions by UETR, MsgId or EndToEndId, across clients')
    .option('--uetr <uetr>', 'UETR (any case)')
    .option('--msg-id <msgId>', 'MsgId of the message')
    .option('--e2e-id <endToEndId>', 'EndToEndId of the transaction')
    .action(async (o: { uetr?: string; msgId?: string; e2eId?: string }, cmd: Command) => {
      const query = referenceQuery(o);
      const { items } = await api(cmd).get<{ items: TransactionLine[] }>('/v1/operator/payments', query);
      if (globals(cmd).json) out(json(items));
      else if (items.length) out(transactionsTable(items));
      if (items.length === 0) {
        if (!globals(cmd).json) say('nothing found');
        code = EXIT.PARTIAL;
      }
    });
  payments
    .command('stuck')
    .description('non-terminal payments not updated for a while (default: RECOVERY_AFTER_SECONDS)')
    .option('--older-than <seconds>', 'not updated for this many seconds', positiveInt('--older-than', 31_536_000))
    .option('--limit <n>', 'at most this many', positiveInt('--limit', 100_000), 1000)
    .action(async (o: { olderThan?: number; limit: number }, cmd: Command) => {
      const items = await collect<TransactionLine & { liveJob: unknown }>(
        api(cmd),
        '/v1/operator/payments/stuck',
        { olderThanSeconds: o.olderThan },
        o.limit,
      );
      if (globals(cmd).json) out(json(items));
      else out(transactionsTable(items));
    });
  payments
    .command('unknown')
    .description('payments whose outcome at the host is unknown (under investigation)')
    .option('--limit <n>', 'at most this many', positiveInt('--limit', 100_000), 1000)
    .action(async (o: { limit: number }, cmd: Command) => {
      const items = await collect<TransactionLine>(api(cmd), '/v1/operator/payments/unknown-outcome', {}, o.limit);
      if (globals(cmd).json) out(json(items));
      else out(transactionsTable(items));
    });

  program
    .command('routes')
    .description('the downstream connectors: circuit, opening hours, calls and errors in the last minute (operator scope)')
    .action(async (_o, cmd: Command) => {
      const view = await api(cmd).get<{ routing: boolean; connectors: ConnectorLine[]; default: string[] }>('/v1/routes');
      if (globals(cmd).json) out(json(view));
      else if (!view.routing) say('no routing table (ROUTING_FILE): every payment goes to the one legacy host');
      else out(connectorsTable(view.connectors));
    });

  program
    .command('dlq')
    .description('dead-lettered jobs (operator scope)')
    .command('list')
    .description("every client's dead-lettered jobs, oldest first")
    .option('--limit <n>', 'at most this many', positiveInt('--limit', 100_000), 1000)
    .action(async (o: { limit: number }, cmd: Command) => {
      const items = await collect<DeadLetterLine>(api(cmd), '/v1/operator/dead-letters', {}, o.limit);
      if (globals(cmd).json) out(json(items));
      else out(deadLettersTable(items));
    });

  program
    .command('redrive')
    .description('re-drive payments: dead-lettered jobs back to the queue, stranded payments their next step (operator scope)')
    .option('--dry-run', 'say what would be re-driven, change nothing')
    .option('--ids <ids...>', 'transaction ids (spaces or commas)')
    .option('--all-dead-letters', 'every transaction with a dead-lettered job')
    .option(
      '--stuck-older-than <seconds>',
      'every non-terminal payment not updated for this many seconds',
      positiveInt('--stuck-older-than', 31_536_000),
    )
    .action(async (o: { dryRun?: boolean; ids?: string[]; allDeadLetters?: boolean; stuckOlderThan?: number }, cmd: Command) => {
      const ids = o.ids ? parseIds(o.ids) : [];
      if (!ids.length && !o.allDeadLetters && o.stuckOlderThan === undefined) {
        throw new UsageError('select what to re-drive: --ids, --all-dead-letters or --stuck-older-than');
      }
      const client = api(cmd);
      const dryRun = o.dryRun === true;
      const items: RedriveItem[] = [];
      const send = async (selection: Record<string, unknown>) =>
        (await client.post<{ items: RedriveItem[] }>('/v1/operator/redrive', { ...selection, dryRun })).items;
      if (o.allDeadLetters || o.stuckOlderThan !== undefined) {
        items.push(
          ...(await send({
            ...(o.allDeadLetters ? { deadLettered: true } : {}),
            ...(o.stuckOlderThan !== undefined ? { stuckOlderThanSeconds: o.stuckOlderThan } : {}),
          })),
        );
      }
      const bar = bars.open(dryRun ? 'checking' : 're-driving', ids.length);
      if (ids.length) bar.start(ids.length);
      try {
        for (let i = 0; i < ids.length; i += REDRIVE_BATCH) {
          const batch = ids.slice(i, i + REDRIVE_BATCH);
          for (const item of await send({ transactionIds: batch }))
            if (!items.some((x) => x.transactionId === item.transactionId)) items.push(item);
          bar.increment(batch.length);
        }
      } finally {
        bar.stop();
      }
      const redriven = items.filter((i) => i.outcome === 'redriven').length;
      if (globals(cmd).json) out(json({ dryRun, redriven, skipped: items.length - redriven, items }));
      else {
        if (items.length) out(redriveTable(items, dryRun));
        say(
          `${dryRun ? 'would re-drive' : 're-drove'} ${redriven}, skipped ${items.length - redriven}${dryRun ? ' (dry run: nothing changed)' : ''}`,
        );
      }
      if (items.length === 0 || redriven < items.length) code = EXIT.PARTIAL;
    });

  program
    .command('export')
    .description(
      "every client's transactions as JSON lines (one transaction a line, with its clientId), paging through " +
        "GET /v1/operator/payments (operator scope); --own: the calling client's own, through GET /v1/transactions",
    )
    .option('--status <status>', `only this status (${STATUSES.join(' ')})`)
    .option('--from <time>', 'created at or after (ISO 8601)')
    .option('--to <time>', 'created before (ISO 8601)')
    .option('--own', "only the calling client's own transactions (no operator scope needed)")
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .action(async (o: { status?: string; from?: string; to?: string; own?: boolean; output?: string }, cmd: Command) => {
      if (o.status !== undefined && !STATUSES.includes(o.status)) throw new UsageError(`--status must be one of ${STATUSES.join(' ')}`);
      const pages = (client: ApiClient) =>
        o.own
          ? client.pages<unknown>('/v1/transactions', { status: o.status, from: o.from, to: o.to, limit: 200 })
          : client.pages<unknown>('/v1/operator/payments', { status: o.status, since: o.from, until: o.to, limit: 500 });
      const client = api(cmd);
      const file = o.output ? createWriteStream(resolve(o.output), { mode: 0o600 }) : null;
      const sink: Pick<Writable, 'write'> = file ?? io.stdout;
      const bar = bars.open('exported', null);
      let n = 0;
      try {
        for await (const page of pages(client)) {
          for (const item of page) {
            if (!sink.write(`${JSON.stringify(item)}\n`) && file) await once(file, 'drain');
            n++;
          }
          bar.increment(page.length);
        }
      } catch (e) {
        if (!o.own && n === 0 && e instanceof ApiError && e.status === 403) {
          throw new ApiError(
            e.status,
            e.code,
            `${e.message} (an export across clients needs the operator scope; --own exports this client's own)`,
          );
        }
        throw e;
      } finally {
        bar.stop();
        if (file) {
          file.end();
          await once(file, 'finish');
        }
      }
      if (globals(cmd).json) io.stderr.write(json({ exported: n }));
      else say(`exported ${n} transactions`);
    });

  const dataDirOption = () => new Option('--data-dir <dir>', "the embedded store's directory (env DATA_DIR; default ./data)");
  const dataDir = (o: { dataDir?: string }) => resolve(o.dataDir ?? io.env.DATA_DIR ?? './data');
  program
    .command('backup')
    .description('online backup of the embedded store (DATA_DIR/clearway.db) to <file>, safe while the gateway runs')
    .argument('<file>', 'the backup file to write')
    .addOption(dataDirOption())
    .option('--force', 'overwrite <file> when it exists')
    .action(async (file: string, o: { dataDir?: string; force?: boolean }, cmd: Command) => {
      const bar = bars.open('backup', 0);
      const pages = await backupStore(dataDir(o), resolve(file), { force: o.force, progress: bar });
      if (globals(cmd).json) out(json({ file: resolve(file), pages, integrity: 'ok' }));
      else say(`backed up ${pages} pages to ${file} (integrity ok)`);
    });
  program
    .command('restore')
    .description('restore a backup into DATA_DIR (the gateway must be stopped); checks integrity before and after')
    .argument('<file>', 'the backup file to restore')
    .addOption(dataDirOption())
    .option('--force', 'replace the database in DATA_DIR when there is one')
    .action(async (file: string, o: { dataDir?: string; force?: boolean }, cmd: Command) => {
      const bar = bars.open('restore', 0);
      const pages = await restoreStore(dataDir(o), resolve(file), { force: o.force, progress: bar });
      if (globals(cmd).json) out(json({ dataDir: dataDir(o), pages, integrity: 'ok' }));
      else say(`restored ${pages} pages into ${dataDir(o)} (integrity ok)`);
    });

  program
    .command('migrate')
    .description(
      "create or migrate the PostgreSQL store's schema (DATABASE_URL, DATABASE_SCHEMA) under the gateways' advisory lock; --check only compares",
    )
    .option('--check', 'change nothing: exit 0 when the schema is at this version, 1 when it is behind or newer')
    .action(async (o: { check?: boolean }, cmd: Command) => {
      const r = await migrateStore(io.env, { check: o.check === true });
      const where = `${r.server}${r.schema ? ` schema ${r.schema}` : ''}`;
      if (globals(cmd).json) out(json(r));
      else if (r.applied.length > 0) say(`${where}: migrated to version ${r.version} (applied ${r.applied.join(', ')})`);
      else say(`${where}: schema at version ${r.version}, nothing to do`);
    });

  program
    .command('secrets')
    .description("the gateway's secret store (SECRETS=postgres or the file store in DATA_DIR)")
    .command('set')
    .description('write the entry <name> with the value read from standard input (never from the command line)')
    .argument('<name>', "the entry, e.g. clients/bank-a (a secretName of CLEARWAY_CLIENTS) or LEGACY_HOST_AUTH_SECRET's name")
    .action(async (name: string, _o: unknown, cmd: Command) => {
      if (!io.stdin) throw new UsageError('secrets set reads the value from standard input');
      let value = '';
      for await (const chunk of io.stdin) value += chunk.toString();
      const r = await setSecret(io.env, name, value);
      if (globals(cmd).json) out(json({ name, store: r.store }));
      else say(`secret ${name} written to the ${r.store === 'postgres' ? 'PostgreSQL (sealed)' : 'file'} store`);
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help' ? EXIT.OK : EXIT.USAGE;
    }
    if (e instanceof UsageError) {
      say(e.message);
      return EXIT.USAGE;
    }
    if (e instanceof StoreError) {
      say(e.message);
      return e.exitCode;
    }
    if (e instanceof ApiError) {
      say(e.message);
      return EXIT.ERROR;
    }
    say(`failed: ${(e as Error).message}`);
    return EXIT.ERROR;
  }
}

/** Follows an operator list's pages up to `limit` items. */
async function collect<T>(
  client: ApiClient,
  path: string,
  query: Record<string, string | number | undefined>,
  limit: number,
): Promise<T[]> {
  const items: T[] = [];
  for await (const page of client.pages<T>(path, { ...query, limit: Math.min(500, Math.max(1, limit)) })) {
    items.push(...page);
    if (items.length >= limit) break;
  }
  return items.slice(0, limit);
}
