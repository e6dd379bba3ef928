// SPDX-License-Identifier: Apache-2.0
/**
 * Several simulated downstream hosts for the gateway's end-to-end suites: the built simulator (dist/, like
 * `startSimulator`) as ONE child process playing named hosts (SIM_HOSTS), each on its own free port, with a
 * control API (SIM_CONTROL_PORT) to take a host down — its port then refuses connections — and bring it back on
 * the same port with its ledger intact.
 *
 *   const hosts = await startSimulatedHosts(['rtgs', { name: 'instant', faults: { rejectSuffix: '' } }, 'wallet']);
 *   ROUTING_FILE connectors: { id: 'rtgs', transport: 'http', url: hosts.url('rtgs') }, ...
 *   await hosts.stop('rtgs'); ... await hosts.start('rtgs');
 *   expect(await hosts.settledTwice()).toEqual([]);
 *   await hosts.close();
 */
import { freePort, NodeProcess, SIM_MAIN } from './processes.js';

/** Fault settings and rules of one host (the camelCase names of `POST /admin/faults`). */
export interface HostFaults {
  latencyMs?: number;
  latencyJitterMs?: number;
  errorRate?: number;
  timeoutRate?: number;
  timeoutMs?: number;
  down?: boolean;
  rejectSuffix?: string;
  cancelWindowSeconds?: number;
  dropAnswers?: number;
  dropAnswerRate?: number;
}

export interface HostSpec {
  name: string;
  faults?: HostFaults;
  seed?: string;
  /** A journal file of its own (the host then also survives a restart of the whole process). */
  dataFile?: string;
}

/** `GET /stats` of one host (the payment counters; cancellations, returns, ... are there too). */
export interface HostStats {
  name: string;
  /** Every delivery of a pacs.008 that was decided or answered from the record. */
  received: number;
  /** Distinct payments (idempotency keys) decided. */
  unique: number;
  /** Re-deliveries answered from the record. */
  duplicates: number;
  accepted: number;
  rejected: number;
  answersDropped: number;
  [more: string]: unknown;
}

export interface HostPayment {
  key: string;
  uetr: string | null;
  status: 'ACSC' | 'RJCT';
  deliveries: number;
  decidedAt: string;
}

export interface SimulatedHosts {
  /** The one child process (its output: `process.logs()`). */
  process: NodeProcess;
  /** The control API's base URL. */
  controlUrl: string;
  names: string[];
  /** Base URL of a host, e.g. `http://127.0.0.1:41234` (the same before and after a stop/start). */
  url(name: string): string;
  port(name: string): number;
  /** Closes the host's listener and connections: callers get ECONNREFUSED until `start`. */
  stop(name: string): Promise<void>;
  /** Listens again on the same port; the host's ledger, counters and faults are as they were. */
  start(name: string): Promise<void>;
  /** Changes a host's faults live (`POST /admin/faults`); returns its new settings. */
  faults(name: string, change: HostFaults): Promise<Required<HostFaults>>;
  stats(name: string): Promise<HostStats>;
  /** Every payment a host decided (optionally of one status), all pages. */
  payments(name: string, status?: 'ACSC' | 'RJCT'): Promise<HostPayment[]>;
  /** Forgets a host's payments and counters. */
  reset(name: string): Promise<void>;
  /** The UETRs (else keys) settled (ACSC) at more than one host, with the hosts: empty when nothing was paid twice. */
  settledTwice(): Promise<Array<{ payment: string; hosts: string[] }>>;
  /** Ends the process (idempotent). */
  close(): Promise<void>;
}

async function call<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: HTTP ${res.status} ${text}`);
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

/**
 * Starts the named hosts (names, or specs with faults / seed / data file) in one simulator process; `env` adds
 * SIM_* settings shared by all (e.g. `SIM_LATENCY_MS`). Needs `npm run build`.
 */
export async function startSimulatedHosts(
  hosts: ReadonlyArray<string | HostSpec>,
  env: Record<string, string> = {},
): Promise<SimulatedHosts> {
  const specs = hosts.map((h) => (typeof h === 'string' ? { name: h } : h));
  const controlPort = await freePort();
  const controlUrl = `http://127.0.0.1:${controlPort}`;
  // port 0: each host takes a free port and keeps it across stop/start; the control API says which
  const child = await NodeProcess.start(
    SIM_MAIN,
    { ...env, SIM_HOSTS: JSON.stringify(specs.map((s) => ({ ...s, port: 0 }))), SIM_CONTROL_PORT: String(controlPort) },
    controlUrl,
    '/health',
  );
  const listed = await call<Array<{ name: string; url: string; port: number }>>(`${controlUrl}/hosts`);
  const byName = new Map(listed.map((h) => [h.name, h]));
  const host = (name: string) => {
    const h = byName.get(name);
    if (!h) throw new Error(`no simulated host named "${name}" (hosts: ${[...byName.keys()].join(', ')})`);
    return h;
  };
  const json = { 'content-type': 'application/json' };

  const api: SimulatedHosts = {
    process: child,
    controlUrl,
    names: specs.map((s) => s.name),
    url: (name) => host(name).url,
    port: (name) => host(name).port,
    stop: async (name) => {
      await call(`${controlUrl}/hosts/${encodeURIComponent(host(name).name)}/stop`, { method: 'POST' });
    },
    start: async (name) => {
      await call(`${controlUrl}/hosts/${encodeURIComponent(host(name).name)}/start`, { method: 'POST' });
    },
    faults: (name, change) => call(`${host(name).url}/admin/faults`, { method: 'POST', headers: json, body: JSON.stringify(change) }),
    stats: (name) => call<HostStats>(`${host(name).url}/stats`),
    payments: async (name, status) => {
      const all: HostPayment[] = [];
      for (let offset = 0; ;) {
        const query = new URLSearchParams({ offset: String(offset), limit: '10000', ...(status ? { status } : {}) });
        const page = await call<{ total: number; items: HostPayment[] }>(`${host(name).url}/admin/payments?${query}`);
        all.push(...page.items);
        offset += page.items.length;
        if (page.items.length === 0 || offset >= page.total) return all;
      }
    },
    reset: async (name) => {
      await call(`${host(name).url}/admin/reset`, { method: 'POST' });
    },
    settledTwice: async () => {
      const seen = new Map<string, string[]>();
      for (const name of api.names) {
        for (const p of await api.payments(name, 'ACSC')) {
          const id = p.uetr?.toLowerCase() ?? p.key;
          seen.set(id, [...(seen.get(id) ?? []), name]);
        }
      }
      return [...seen].filter(([, at]) => at.length > 1).map(([payment, at]) => ({ payment, hosts: at }));
    },
    close: () => child.kill('SIGTERM'),
  };
  return api;
}
