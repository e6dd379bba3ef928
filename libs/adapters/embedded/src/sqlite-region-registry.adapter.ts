// SPDX-License-Identifier: Apache-2.0
import { RegionFencedError, type RegionRecord, type RegionRegistry, type RegionStatus } from '#application';
import type { EmbeddedDatabase } from './embedded-database.js';

interface RegionRow {
  id: string;
  status: RegionStatus;
  epoch: number;
  heartbeat_at: string | null;
  lease_until: string | null;
  taken_over_by: string | null;
  changed_by: string;
  changed_at: string;
}

const COLUMNS = 'id, status, epoch, heartbeat_at, lease_until, taken_over_by, changed_by, changed_at';

/**
 * The regions' records (issue 15) in the `regions` table of the shared database. Every change is one statement
 * whose condition is in its SQL (an upsert with a `WHERE`, an `UPDATE ... WHERE epoch = ?`), written through the
 * database's group commit like every other write, so it holds between the processes sharing the file.
 */
export class SqliteRegionRegistry implements RegionRegistry {
  constructor(private readonly db: EmbeddedDatabase) {}

  async heartbeat(region: string, at: Date, leaseUntil: Date): Promise<RegionRecord> {
    const now = at.toISOString();
    const lease = leaseUntil.toISOString();
    return this.db.write(() => {
      // creates the record (healthy), or renews its lease unless it is down; the status stays as stored
      const row = this.db.get<RegionRow>(
        `INSERT INTO regions (${COLUMNS}) VALUES (?, 'healthy', 1, ?, ?, NULL, 'heartbeat', ?)
         ON CONFLICT (id) DO UPDATE SET
           heartbeat_at = excluded.heartbeat_at,
           lease_until  = excluded.lease_until
         WHERE regions.status <> 'down'
         RETURNING ${COLUMNS}`,
        region,
        now,
        lease,
        now,
      );
      if (row) return toRecord(row);
      throw new RegionFencedError(region, toRecord(this.row(region)!));
    });
  }

  async list(): Promise<RegionRecord[]> {
    return this.db.all<RegionRow>(`SELECT ${COLUMNS} FROM regions ORDER BY id`).map(toRecord);
  }

  async get(region: string): Promise<RegionRecord | null> {
    const row = this.row(region);
    return row ? toRecord(row) : null;
  }

  async takeOver(region: string, expectedEpoch: number, takenOverBy: string, by: string, at: Date): Promise<RegionRecord | null> {
    const now = at.toISOString();
    return this.db.write(() => {
      const row = this.db.get<RegionRow>(
        `UPDATE regions SET status = 'down', epoch = epoch + 1, taken_over_by = ?, changed_by = ?, changed_at = ?
         WHERE id = ? AND epoch = ?
         RETURNING ${COLUMNS}`,
        takenOverBy,
        by,
        now,
        region,
        expectedEpoch,
      );
      return row ? toRecord(row) : null;
    });
  }

  async setStatus(region: string, status: RegionStatus, by: string, at: Date): Promise<RegionRecord> {
    const now = at.toISOString();
    return this.db.write(() => {
      // leaving `down` is coming back: a fresh epoch and no taker, so what the region held before stays fenced
      const row = this.db.get<RegionRow>(
        `INSERT INTO regions (${COLUMNS}) VALUES (?, ?, 1, NULL, NULL, NULL, ?, ?)
         ON CONFLICT (id) DO UPDATE SET
           status        = excluded.status,
           epoch         = CASE WHEN regions.status = 'down' AND excluded.status <> 'down' THEN regions.epoch + 1 ELSE regions.epoch END,
           taken_over_by = CASE WHEN excluded.status = 'down' THEN regions.taken_over_by ELSE NULL END,
           changed_by    = excluded.changed_by,
           changed_at    = excluded.changed_at
         RETURNING ${COLUMNS}`,
        region,
        status,
        by,
        now,
      );
      return toRecord(row!);
    });
  }

  private row(region: string): RegionRow | undefined {
    return this.db.get<RegionRow>(`SELECT ${COLUMNS} FROM regions WHERE id = ?`, region);
  }
}

function toRecord(row: RegionRow): RegionRecord {
  return {
    id: row.id,
    status: row.status,
    epoch: row.epoch,
    heartbeatAt: row.heartbeat_at,
    leaseUntil: row.lease_until,
    takenOverBy: row.taken_over_by,
    changedBy: row.changed_by,
    changedAt: row.changed_at,
  };
}
