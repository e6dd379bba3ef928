// SPDX-License-Identifier: Apache-2.0
/** Checks the fault suites share: waiting for every payment to end, and comparing outcomes with the host's. */

/** What the simulator decided (`GET /stats`): received calls, unique payments, redeliveries absorbed, outcomes. */
export interface HostStats {
  received: number;
  unique: number;
  duplicates: number;
  accepted: number;
  rejected: number;
}

export async function hostStats(simUrl: string): Promise<HostStats> {
  const res = await fetch(`${simUrl}/stats`);
  if (!res.ok) throw new Error(`GET ${simUrl}/stats answered ${res.status}`);
  return (await res.json()) as HostStats;
}

export const TERMINAL_STATUSES = ['ACSC', 'RJCT', 'CANC'];

export interface Outcome {
  status: string;
  reason: string | null;
  /** The region that took it (issue 15), when the gateway records one. */
  homeRegion?: string | null;
}

/** One read of `GET /v1/transactions/{key}` for every key (50 at a time): each key's status, reason code and home region. */
export async function readOutcomes(url: string, token: string, keys: readonly string[]): Promise<Map<string, Outcome>> {
  const outcomes = new Map<string, Outcome>();
  for (let i = 0; i < keys.length; i += 50) {
    await Promise.all(
      keys.slice(i, i + 50).map(async (key) => {
        const res = await fetch(`${url}/v1/transactions/${key}`, { headers: { authorization: `Bearer ${token}` } });
        if (res.status !== 200) throw new Error(`GET /v1/transactions/${key} answered ${res.status}`);
        const tx = (await res.json()) as { status: string; reason: { code: string } | null; homeRegion?: string | null };
        outcomes.set(key, { status: tx.status, reason: tx.reason?.code ?? null, homeRegion: tx.homeRegion ?? null });
      }),
    );
  }
  return outcomes;
}

/**
 * Polls `GET /v1/transactions/{key}` (50 at a time) until every key is terminal or the deadline passes; returns
 * the last status and reason code seen for each key (the caller asserts on what is still open).
 */
export async function pollUntilTerminal(
  url: string,
  token: string,
  keys: readonly string[],
  timeoutMs = 240_000,
  pauseMs = 500,
): Promise<Map<string, Outcome>> {
  const statuses = new Map<string, Outcome>();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const pending = keys.filter((k) => !TERMINAL_STATUSES.includes(statuses.get(k)?.status ?? ''));
    if (pending.length === 0) break;
    for (const [key, outcome] of await readOutcomes(url, token, pending)) statuses.set(key, outcome);
    await new Promise((r) => setTimeout(r, pauseMs));
  }
  return statuses;
}

/**
 * For each payment, what disagrees between the gateway's outcome and the simulator's record of its UETR, or
 * with the outcome the test planned (`reject`: the creditor account makes the host answer AC04).
 */
export async function hostMismatches(
  simUrl: string,
  payments: readonly { key: string; uetr: string; reject: boolean }[],
  statuses: ReadonlyMap<string, Outcome>,
): Promise<string[]> {
  const mismatches: string[] = [];
  for (let i = 0; i < payments.length; i += 50) {
    await Promise.all(
      payments.slice(i, i + 50).map(async (p) => {
        const res = await fetch(`${simUrl}/v1/payments/${p.uetr}`);
        const host = res.status === 200 ? ((await res.json()) as { status: string; reasonCode: string | null }) : null;
        const mine = statuses.get(p.key)!;
        if (!host || host.status !== mine.status || (mine.status === 'RJCT' && host.reasonCode !== mine.reason)) {
          mismatches.push(`${p.key} gateway=${mine.status}/${mine.reason} host=${host?.status ?? 'none'}/${host?.reasonCode ?? ''}`);
        }
        const expected = p.reject ? 'RJCT' : 'ACSC';
        if (mine.status !== expected) mismatches.push(`${p.key} expected ${expected}, got ${mine.status}`);
      }),
    );
  }
  return mismatches;
}
