// SPDX-License-Identifier: Apache-2.0
import type pg from 'pg';
import type { PostgresDatabase } from './postgres-database.js';

export interface PostgresMigration {
  version: number;
  name: string;
  sql: string;
}

/**
 * The schema of the PostgreSQL store, one entry per version, applied in order and never edited once released
 * (a change is a new entry). Times are epoch milliseconds (`bigint`), the snapshot is the whole PaymentSnapshot as
 * JSON text (fields added later flow through), money stays inside it as decimal strings.
 */
export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    name: 'payments, uniqueness keys, jobs',
    sql: `
      CREATE TABLE payments (
        id            text    PRIMARY KEY,
        client_id     text    NOT NULL,
        status        text    NOT NULL,
        version       integer NOT NULL CHECK (version >= 1),
        created_at    bigint  NOT NULL,
        updated_at    bigint  NOT NULL,
        uetr          text,
        msg_id        text    NOT NULL,
        end_to_end_id text    NOT NULL,
        snapshot      text    NOT NULL
      );
      CREATE INDEX payments_client ON payments (client_id, created_at DESC, id DESC);
      CREATE INDEX payments_created ON payments (created_at DESC, id DESC);
      CREATE INDEX payments_stale ON payments (status, updated_at, id);
      CREATE INDEX payments_uetr ON payments (lower(uetr));
      CREATE INDEX payments_msg_id ON payments (msg_id);
      CREATE INDEX payments_end_to_end_id ON payments (end_to_end_id);

      CREATE TABLE uniqueness_keys (
        kind           text NOT NULL CHECK (kind IN ('idempotency', 'uetr', 'msgid-e2e')),
        scope          text NOT NULL,
        key            text NOT NULL,
        transaction_id text NOT NULL,
        request_hash   text,
        PRIMARY KEY (kind, scope, key)
      );

      -- The work queue (issue 16): jobs are written in the same transaction as the state change that made them.
      CREATE TABLE jobs (
        seq            bigserial PRIMARY KEY,
        type           text    NOT NULL,
        transaction_id text    NOT NULL,
        group_key      text    NOT NULL,
        dedup_id       text    NOT NULL UNIQUE,
        not_before     bigint,
        state          text    NOT NULL CHECK (state IN ('ready', 'inflight', 'dead', 'done')),
        available_at   bigint  NOT NULL,
        blocked        boolean NOT NULL DEFAULT false,
        attempts       integer NOT NULL DEFAULT 0,
        receipt        text,
        last_error     text,
        enqueued_at    bigint  NOT NULL,
        finished_at    bigint,
        payload        text
      );
      CREATE INDEX jobs_due ON jobs (available_at, seq) WHERE state IN ('ready', 'inflight') AND NOT blocked;
      CREATE INDEX jobs_group_active ON jobs (group_key, blocked, seq) WHERE state IN ('ready', 'inflight');
      CREATE INDEX jobs_dead ON jobs (finished_at, seq) WHERE state = 'dead';
    `,
  },
  {
    version: 2,
    name: 'message archive, append-only',
    sql: `
      CREATE TABLE archived_messages (
        transaction_id text    NOT NULL,
        seq            integer NOT NULL,
        direction      text    NOT NULL CHECK (direction IN ('in', 'out')),
        message_type   text    NOT NULL,
        channel        text    NOT NULL,
        body           text    NOT NULL,
        sha256         text    NOT NULL,
        at             text    NOT NULL,
        PRIMARY KEY (transaction_id, seq),
        UNIQUE (transaction_id, direction, message_type, sha256)
      );
      CREATE INDEX archived_messages_latest ON archived_messages (transaction_id, direction, seq);
      -- append-only, enforced by the server: not even a bug in the gateway (or a careless session) rewrites history
      CREATE FUNCTION archived_messages_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'archived_messages is append-only: % refused', TG_OP;
      END $$;
      CREATE TRIGGER archived_messages_no_change BEFORE UPDATE OR DELETE ON archived_messages
        FOR EACH ROW EXECUTE FUNCTION archived_messages_append_only();
      CREATE TRIGGER archived_messages_no_truncate BEFORE TRUNCATE ON archived_messages
        FOR EACH STATEMENT EXECUTE FUNCTION archived_messages_append_only();
    `,
  },
  {
    version: 3,
    name: 'secrets, encrypted',
    sql: `
      -- AES-256-GCM under a key the server never sees; the name is the additional data (a row moved under another
      -- name does not decrypt), key_id names the key that sealed it
      CREATE TABLE secrets (
        name       text   PRIMARY KEY,
        key_id     text   NOT NULL,
        nonce      bytea  NOT NULL,
        ciphertext bytea  NOT NULL,
        tag        bytea  NOT NULL,
        updated_at bigint NOT NULL
      );
    `,
  },
  {
    version: 4,
    name: 'core-mode ledger',
    sql: `
      CREATE TABLE ledger_accounts (
        id         text   PRIMARY KEY,
        currency   text   NOT NULL CHECK (length(currency) = 3),
        balance    bigint NOT NULL CHECK (balance >= 0),
        created_at text   NOT NULL,
        updated_at text   NOT NULL
      );
      -- every change of a balance is one row (settlement legs with the payment version that made them, openings,
      -- adjustments): for every account, balance = sum(delta). Append-only, enforced by the server.
      CREATE TABLE ledger_postings (
        seq             bigserial PRIMARY KEY,
        kind            text    NOT NULL CHECK (kind IN ('settlement', 'opening', 'adjustment')),
        transaction_id  text,
        payment_version integer,
        leg             integer NOT NULL DEFAULT 0,
        account_id      text    NOT NULL REFERENCES ledger_accounts (id),
        currency        text    NOT NULL,
        delta           bigint  NOT NULL,
        at              text    NOT NULL,
        actor           text,
        request_id      text,
        CHECK ((kind = 'settlement') = (transaction_id IS NOT NULL AND payment_version IS NOT NULL)),
        UNIQUE (transaction_id, payment_version, leg)
      );
      CREATE INDEX ledger_postings_account ON ledger_postings (account_id, seq);
      CREATE FUNCTION ledger_postings_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'ledger_postings is append-only: % refused', TG_OP;
      END $$;
      CREATE TRIGGER ledger_postings_no_change BEFORE UPDATE OR DELETE ON ledger_postings
        FOR EACH ROW EXECUTE FUNCTION ledger_postings_append_only();
      CREATE TRIGGER ledger_postings_no_truncate BEFORE TRUNCATE ON ledger_postings
        FOR EACH STATEMENT EXECUTE FUNCTION ledger_postings_append_only();
    `,
  },
];

/** The schema is newer than this gateway knows: a newer gateway migrated it. Refused rather than guessed at. */
export class SchemaTooNewError extends Error {
  readonly code = 'STORE.SCHEMA_TOO_NEW';
  constructor(
    readonly found: number,
    readonly known: number,
  ) {
    super(`the PostgreSQL schema is at version ${found}, this gateway knows up to ${known}: run a gateway of that version or newer`);
    this.name = 'SchemaTooNewError';
  }
}

/** DATABASE_MIGRATE=false and the schema is behind: someone must migrate it first (`clearway migrate`). */
export class SchemaBehindError extends Error {
  readonly code = 'STORE.SCHEMA_BEHIND';
  constructor(
    readonly found: number,
    readonly known: number,
  ) {
    super(
      `the PostgreSQL schema is at version ${found}, this gateway needs ${known}: migrate it (DATABASE_MIGRATE=true or clearway migrate)`,
    );
    this.name = 'SchemaBehindError';
  }
}

/** The advisory lock every migrating process takes (one at a time; the others wait, then find nothing to do). */
export const MIGRATION_LOCK = 7_315_020_015;

/**
 * Brings the schema to the latest version under an advisory lock (`migrate: true`), or only checks it is there
 * (`migrate: false`). Each version is applied in its own transaction with its row in `schema_migrations`. Returns
 * the versions applied.
 */
export async function migrate(
  db: PostgresDatabase,
  options: { migrate: boolean; migrations?: readonly PostgresMigration[] } = { migrate: true },
): Promise<number[]> {
  const migrations = options.migrations ?? POSTGRES_MIGRATIONS;
  const latest = migrations.at(-1)?.version ?? 0;
  const client = await db.pool.connect();
  const onError = () => undefined; // a connection lost mid-migration fails its next statement; it must not end the process
  client.on('error', onError);
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      const schema = db.options.schema;
      if (!options.migrate) {
        // only look: a gateway that may not migrate creates nothing, not even the version table
        const exists = await client.query<{ t: string | null }>(`SELECT to_regclass('schema_migrations') AS t`);
        const current = exists.rows[0]?.t ? await versionOf(client) : 0;
        if (current > latest) throw new SchemaTooNewError(current, latest);
        if (current < latest) throw new SchemaBehindError(current, latest);
        return [];
      }
      if (schema) {
        // created only when missing: a role that owns its schema but may not CREATE on the database still migrates
        const found = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
        if (found.rowCount === 0) await client.query(`CREATE SCHEMA "${schema}"`);
      }
      await client.query(
        `CREATE TABLE IF NOT EXISTS schema_migrations (
           version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      const current = await versionOf(client);
      if (current > latest) throw new SchemaTooNewError(current, latest);
      const applied: number[] = [];
      for (const m of migrations.filter((m) => m.version > current)) {
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
          await client.query('COMMIT');
        } catch (e) {
          await client.query('ROLLBACK');
          throw new Error(`migration ${m.version} (${m.name}) failed: ${(e as Error).message}`, { cause: e });
        }
        applied.push(m.version);
      }
      return applied;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    client.off('error', onError);
    client.release();
  }
}

async function versionOf(client: pg.PoolClient): Promise<number> {
  const { rows } = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
  return rows[0]?.v ?? 0;
}
