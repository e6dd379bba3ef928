// SPDX-License-Identifier: Apache-2.0
/** What the CLI prints: human lines by default, JSON with --json (scripts). */

/** Exit codes (docs/operations.md). */
export const EXIT = {
  OK: 0,
  /** The gateway or the store failed, or refused the call (4xx other than a usage problem). */
  ERROR: 1,
  /** The command line was wrong (unknown option, missing argument, conflicting options). */
  USAGE: 2,
  /** Nothing found (payments find), or only part done (a re-drive that skipped some). */
  PARTIAL: 3,
} as const;

export interface TransactionLine {
  transactionId: string;
  clientId?: string;
  status: string;
  messageType: string;
  uetr: string | null;
  msgId: string;
  endToEndId: string;
  amount: { value: string; currency: string } | null;
  updatedAt: string;
  reason?: { code: string; text: string | null } | null;
}

/** Columns padded to their widest cell, two spaces apart. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function transactionsTable(items: readonly TransactionLine[]): string {
  return table(
    ['TRANSACTION', 'CLIENT', 'STATUS', 'TYPE', 'UETR', 'MSGID', 'E2EID', 'AMOUNT', 'UPDATED'],
    items.map((t) => [
      t.transactionId,
      t.clientId ?? '',
      t.reason?.code ? `${t.status}/${t.reason.code}` : t.status,
      t.messageType,
      t.uetr ?? '-',
      t.msgId,
      t.endToEndId,
      t.amount ? `${t.amount.value} ${t.amount.currency}` : '-',
      t.updatedAt,
    ]),
  );
}

export interface DeadLetterLine {
  transactionId: string;
  jobType: string;
  reason: string;
  attempts: number;
  at: string;
  clientId: string | null;
  status: string | null;
}

export function deadLettersTable(items: readonly DeadLetterLine[]): string {
  return table(
    ['TRANSACTION', 'CLIENT', 'STATUS', 'JOB', 'ATTEMPTS', 'AT', 'REASON'],
    items.map((d) => [d.transactionId, d.clientId ?? '-', d.status ?? '-', d.jobType, String(d.attempts), d.at, oneLine(d.reason, 120)]),
  );
}

export type RedriveItem =
  | { transactionId: string; outcome: 'redriven'; via: string; jobType: string | null }
  | { transactionId: string; outcome: 'skipped'; reason: string };

export function redriveTable(items: readonly RedriveItem[], dryRun: boolean): string {
  return table(
    ['TRANSACTION', dryRun ? 'WOULD' : 'OUTCOME', 'DETAIL'],
    items.map((i) =>
      i.outcome === 'redriven'
        ? [i.transactionId, dryRun ? 'redrive' : 'redriven', `${i.via}${i.jobType ? ` (${i.jobType})` : ''}`]
        : [i.transactionId, 'skip', i.reason],
    ),
  );
}

/** A connector as `GET /v1/routes` shows it (the fields the table prints). */
export interface ConnectorLine {
  id: string;
  transport: string;
  endpoint: string | null;
  circuit: { state: string; openUntil: string | null };
  hours: { open: boolean; reason: string | null; opensAt: string | null } | null;
  recent: { calls: number; failures: number; errorRate: number };
}

export function connectorsTable(items: readonly ConnectorLine[]): string {
  return table(
    ['CONNECTOR', 'TRANSPORT', 'CIRCUIT', 'HOURS', 'CALLS/1M', 'ERRORS', 'ENDPOINT'],
    items.map((c) => [
      c.id,
      c.transport,
      c.circuit.openUntil ? `${c.circuit.state} until ${c.circuit.openUntil}` : c.circuit.state,
      c.hours === null ? 'always' : c.hours.open ? 'open' : `closed${c.hours.opensAt ? ` until ${c.hours.opensAt}` : ''}`,
      String(c.recent.calls),
      `${(c.recent.errorRate * 100).toFixed(1)}%`,
      c.endpoint ?? '-',
    ]),
  );
}

/** A text on one line, at most `max` characters. */
export function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** Stable JSON for --json: one document, two-space indented, with a final newline. */
export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
