// SPDX-License-Identifier: Apache-2.0
/**
 * The schema of the embedded database, as an ordered list of migrations. Migration N (1-based) brings the
 * file to schema version N; `schema_version` records each one applied. Never edit a released migration:
 * append a new one.
 *
 * Timestamps used for ordering and filtering are INTEGER milliseconds since the epoch.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: payments, their uniqueness keys, the work queue, the message archive.
  `
  CREATE TABLE payments (
    id            TEXT    NOT NULL PRIMARY KEY,
    client_id     TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    version       INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    uetr          TEXT,
    msg_id        TEXT    NOT NULL,
    end_to_end_id TEXT    NOT NULL,
    snapshot      TEXT    NOT NULL CHECK (json_valid(snapshot))
  ) STRICT;
  CREATE INDEX payments_client_created ON payments (client_id, created_at, id);
  CREATE INDEX payments_client_status_created ON payments (client_id, status, created_at, id);
  CREATE INDEX payments_status_updated ON payments (status, updated_at);
  -- lookups by UETR or by client + msgId + endToEndId go through uniqueness_keys (its primary key)

  -- kind: 'idempotency' (scope = client id), 'uetr' (scope = '' before migration 3, then client id), 'msgid-e2e' (scope = client id)
  CREATE TABLE uniqueness_keys (
    kind           TEXT NOT NULL CHECK (kind IN ('idempotency', 'uetr', 'msgid-e2e')),
    scope          TEXT NOT NULL,
    key            TEXT NOT NULL,
    transaction_id TEXT NOT NULL REFERENCES payments (id),
    request_hash   TEXT,
    PRIMARY KEY (kind, scope, key)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX uniqueness_keys_tx ON uniqueness_keys (transaction_id);

  -- state: ready -> inflight -> done | ready (retry) | dead; dead -> ready (redrive).
  -- available_at: when a ready job is due, or when an inflight job's visibility timeout ends.
  -- blocked: 1 while another job of the same group is active (ready or inflight) ahead of it; of the active
  -- jobs of a group exactly one has blocked = 0 (the head), so receive never has to skip over waiting jobs.
  -- Done rows are kept (so a deduplication id stays taken) until purgeCompleted removes them.
  CREATE TABLE jobs (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    type           TEXT    NOT NULL,
    transaction_id TEXT    NOT NULL,
    group_key      TEXT    NOT NULL,
    dedup_id       TEXT    NOT NULL UNIQUE,
    not_before     INTEGER,
    state          TEXT    NOT NULL CHECK (state IN ('ready', 'inflight', 'dead', 'done')),
    available_at   INTEGER NOT NULL,
    blocked        INTEGER NOT NULL DEFAULT 0 CHECK (blocked IN (0, 1)),
    attempts       INTEGER NOT NULL DEFAULT 0,
    receipt        TEXT,
    last_error     TEXT,
    enqueued_at    INTEGER NOT NULL,
    finished_at    INTEGER
  ) STRICT;
  CREATE INDEX jobs_due ON jobs (available_at, seq) WHERE state IN ('ready', 'inflight') AND blocked = 0;
  CREATE INDEX jobs_group_active ON jobs (group_key, blocked, seq) WHERE state IN ('ready', 'inflight');
  CREATE INDEX jobs_inflight ON jobs (available_at) WHERE state = 'inflight';
  CREATE INDEX jobs_dead ON jobs (finished_at, seq) WHERE state = 'dead';
  CREATE INDEX jobs_dead_tx ON jobs (transaction_id) WHERE state = 'dead';
  CREATE INDEX jobs_done ON jobs (finished_at) WHERE state = 'done';

  -- Append-only: the triggers refuse any UPDATE or DELETE, and an INSERT that would collide with a stored
  -- row (INSERT OR REPLACE deletes the old row without firing DELETE triggers, so it is refused up front).
  CREATE TABLE archived_messages (
    transaction_id TEXT    NOT NULL,
    seq            INTEGER NOT NULL,
    direction      TEXT    NOT NULL CHECK (direction IN ('in', 'out')),
    message_type   TEXT    NOT NULL,
    channel        TEXT    NOT NULL,
    body           TEXT    NOT NULL,
    sha256         TEXT    NOT NULL,
    at             TEXT    NOT NULL,
    PRIMARY KEY (transaction_id, seq),
    UNIQUE (transaction_id, direction, message_type, sha256)
  ) STRICT;
  CREATE INDEX archived_messages_latest ON archived_messages (transaction_id, direction, seq);
  CREATE TRIGGER archived_messages_no_update BEFORE UPDATE ON archived_messages
  BEGIN
    SELECT RAISE(ABORT, 'archived_messages is append-only: UPDATE refused');
  END;
  CREATE TRIGGER archived_messages_no_delete BEFORE DELETE ON archived_messages
  BEGIN
    SELECT RAISE(ABORT, 'archived_messages is append-only: DELETE refused');
  END;
  CREATE TRIGGER archived_messages_no_replace BEFORE INSERT ON archived_messages
  WHEN EXISTS (SELECT 1 FROM archived_messages WHERE transaction_id = NEW.transaction_id AND seq = NEW.seq)
    OR EXISTS (
      SELECT 1 FROM archived_messages
      WHERE transaction_id = NEW.transaction_id AND direction = NEW.direction
        AND message_type = NEW.message_type AND sha256 = NEW.sha256
    )
  BEGIN
    SELECT RAISE(ABORT, 'archived_messages is append-only: a stored message cannot be replaced');
  END;
  `,
  // 2: the core-mode ledger (MODE=core): accounts with balances in minor units, and the postings journal.
  `
  -- balance: integer minor units of the currency (read as bigint); never below zero.
  CREATE TABLE ledger_accounts (
    id         TEXT    NOT NULL PRIMARY KEY,
    currency   TEXT    NOT NULL CHECK (length(currency) = 3),
    balance    INTEGER NOT NULL CHECK (balance >= 0),
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL
  ) STRICT, WITHOUT ROWID;

  -- Every change of a balance is one row: settlement legs (written in the same transaction as the payment's
  -- status change, with the payment version that change produced), openings and operator adjustments. So
  -- for every account, balance = SUM(delta). Append-only like archived_messages.
  CREATE TABLE ledger_postings (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    kind            TEXT    NOT NULL CHECK (kind IN ('settlement', 'opening', 'adjustment')),
    transaction_id  TEXT,
    payment_version INTEGER,
    leg             INTEGER NOT NULL DEFAULT 0,
    account_id      TEXT    NOT NULL REFERENCES ledger_accounts (id),
    currency        TEXT    NOT NULL,
    delta           INTEGER NOT NULL,
    at              TEXT    NOT NULL,
    CHECK ((kind = 'settlement') = (transaction_id IS NOT NULL AND payment_version IS NOT NULL)),
    UNIQUE (transaction_id, payment_version, leg)
  ) STRICT;
  CREATE INDEX ledger_postings_account ON ledger_postings (account_id, seq);
  CREATE INDEX ledger_postings_tx ON ledger_postings (transaction_id) WHERE transaction_id IS NOT NULL;
  CREATE TRIGGER ledger_postings_no_update BEFORE UPDATE ON ledger_postings
  BEGIN
    SELECT RAISE(ABORT, 'ledger_postings is append-only: UPDATE refused');
  END;
  CREATE TRIGGER ledger_postings_no_delete BEFORE DELETE ON ledger_postings
  BEGIN
    SELECT RAISE(ABORT, 'ledger_postings is append-only: DELETE refused');
  END;
  CREATE TRIGGER ledger_postings_no_replace BEFORE INSERT ON ledger_postings
  WHEN NEW.seq IS NOT NULL AND EXISTS (SELECT 1 FROM ledger_postings WHERE seq = NEW.seq)
    OR NEW.transaction_id IS NOT NULL AND EXISTS (
      SELECT 1 FROM ledger_postings
      WHERE transaction_id = NEW.transaction_id AND payment_version = NEW.payment_version AND leg = NEW.leg
    )
  BEGIN
    SELECT RAISE(ABORT, 'ledger_postings is append-only: a stored posting cannot be replaced');
  END;
  `,
  // 3: UETRs are unique per client, not across clients (issue 9: one tenant must not block or probe another).
  `
  UPDATE uniqueness_keys
     SET scope = (SELECT client_id FROM payments WHERE payments.id = uniqueness_keys.transaction_id)
   WHERE kind = 'uetr' AND scope = '';
  `,
  // 4: jobs carry a typed payload (JSON), instead of data encoded in their deduplication ids (issue 9).
  `
  ALTER TABLE jobs ADD COLUMN payload TEXT CHECK (payload IS NULL OR json_valid(payload));
  `,
  // 5: who opened an account or set its balance (the API client; NULL: LEDGER_OPENING_BALANCES at start), and the
  // request it came with (issue 10).
  `
  ALTER TABLE ledger_postings ADD COLUMN actor TEXT;
  ALTER TABLE ledger_postings ADD COLUMN request_id TEXT;
  `,
  // 6: the live jobs of a transaction, looked up by the recovery and SLA sweepers (issue 12: a payment whose
  // job still waits in the queue is not stranded).
  `
  CREATE INDEX jobs_live_tx ON jobs (transaction_id) WHERE state IN ('ready', 'inflight');
  `,
  // 7: the operator API finds transactions by UETR, MsgId or EndToEndId across clients (issue 13). The uniqueness
  // keys are per client (scope first), so these lookups get indexes of their own.
  `
  CREATE INDEX payments_uetr ON payments (lower(uetr)) WHERE uetr IS NOT NULL;
  CREATE INDEX payments_msg_id ON payments (msg_id);
  CREATE INDEX payments_end_to_end_id ON payments (end_to_end_id);
  `,
  // 8: the operator lists every client's transactions, newest first, with or without a status (issue 13: an
  // export across clients). The older indexes all start with client_id. A status is filtered along this index:
  // a (status, created_at) index would be written at every status change (about 7 % of the bench's throughput).
  `
  CREATE INDEX payments_created ON payments (created_at, id);
  `,
  // 9: the regions of a deployment (issue 15): status, heartbeat lease and epoch of each, changed only by conditional
  // statements (SqliteRegionRegistry). Times are ISO 8601 text as the port hands them out; nothing filters on them in SQL.
  `
  CREATE TABLE regions (
    id            TEXT    NOT NULL PRIMARY KEY,
    status        TEXT    NOT NULL CHECK (status IN ('healthy', 'draining', 'down')),
    epoch         INTEGER NOT NULL CHECK (epoch >= 1),
    heartbeat_at  TEXT,
    lease_until   TEXT,
    taken_over_by TEXT,
    changed_by    TEXT    NOT NULL,
    changed_at    TEXT    NOT NULL
  ) STRICT, WITHOUT ROWID;
  `,
];
