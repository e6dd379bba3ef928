// SPDX-License-Identifier: Apache-2.0
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningSimulator, RunningSimulators } from './simulator.js';

/** One host as the control API shows it. */
export interface HostView {
  name: string;
  url: string;
  port: number;
  listening: boolean;
}

export interface RunningControlServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

function view(name: string, h: RunningSimulator): HostView {
  return { name, url: h.url, port: h.port, listening: h.listening };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': status >= 400 ? 'application/problem+json' : 'application/json',
    'content-length': Buffer.byteLength(json),
  });
  res.end(json);
}

function problem(res: ServerResponse, status: number, code: string, title: string): void {
  send(res, status, { type: 'about:blank', title, status, code });
}

/**
 * The control API of a simulator playing several hosts (SIM_CONTROL_PORT): it stays up while a host is stopped,
 * so a test can take one host down (its port refuses connections) and bring it back on the same port.
 *
 * - `GET /health` → `{status:"ok", hosts:[...]}`
 * - `GET /hosts` → `[{name, url, port, listening}]`
 * - `POST /hosts/{name}/stop`, `POST /hosts/{name}/start` → that host's view; 404 for an unknown name
 */
export async function startControlServer(sims: RunningSimulators, port: number, host = '127.0.0.1'): Promise<RunningControlServer> {
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const all = (): HostView[] => [...sims.hosts].map(([name, h]) => view(name, h));
    if (req.method === 'GET' && path === '/health') return send(res, 200, { status: 'ok', hosts: all() });
    if (req.method === 'GET' && path === '/hosts') return send(res, 200, all());
    const m = /^\/hosts\/([^/]+)\/(stop|start)$/.exec(path);
    if (!m) return problem(res, 404, 'SIM.NOT_FOUND', 'No such control call');
    if (req.method !== 'POST') return problem(res, 405, 'SIM.METHOD_NOT_ALLOWED', 'Use POST');
    const name = decodeURIComponent(m[1]!);
    const h = sims.hosts.get(name);
    if (!h) return problem(res, 404, 'SIM.UNKNOWN_HOST', `No simulated host named "${name}"`);
    await (m[2] === 'stop' ? h.stop() : h.start());
    return send(res, 200, view(name, h));
  };
  const server: Server = createServer((req, res) => {
    // the request body (if any) is not read: drain it
    req.resume();
    handle(req, res).catch((err: unknown) =>
      send(res, 500, { type: 'about:blank', title: (err as Error)?.message ?? String(err), status: 500, code: 'SIM.CONTROL_FAILED' }),
    );
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      ok();
    });
  });
  const actual = (server.address() as AddressInfo).port;
  const callHost = ['0.0.0.0', '::', ''].includes(host) ? '127.0.0.1' : host;
  let closed: Promise<void> | null = null;
  return {
    url: `http://${callHost.includes(':') ? `[${callHost}]` : callHost}:${actual}`,
    port: actual,
    close: () =>
      (closed ??= new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      })),
  };
}
