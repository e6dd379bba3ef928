// SPDX-License-Identifier: Apache-2.0
import { Agent, request } from 'node:https';

/** TLS towards the legacy host: a private CA to trust, and a client certificate for mutual TLS. */
export interface HostTlsOptions {
  /** PEM CA certificate(s) the host's certificate must chain to (instead of the system's). */
  ca?: string | Buffer;
  /** PEM client certificate (chain) and its private key, sent when the host asks for one. */
  cert?: string | Buffer;
  key?: string | Buffer;
}

/** What the adapter reads of an answer; global `fetch`'s Response fits. */
export interface HostResponse {
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
  body: { cancel(): Promise<void> } | null;
}

export interface HostRequestInit {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  redirect: 'manual';
  signal: AbortSignal;
}

export type HostFetch = (url: string, init: HostRequestInit) => Promise<HostResponse>;

/**
 * A fetch-like call over node:https with the given TLS material (global fetch cannot take a CA or a client
 * certificate per call). Redirects are never followed; `signal` ends the attempt at any stage, reading the
 * body included. Connections are kept alive between calls.
 */
export function tlsFetch(tls: HostTlsOptions): HostFetch {
  if ((tls.cert === undefined) !== (tls.key === undefined)) throw new Error('HttpLegacyHost: tls.cert and tls.key go together');
  const agent = new Agent({ keepAlive: true, ca: tls.ca, cert: tls.cert, key: tls.key });
  return (url, init) =>
    new Promise<HostResponse>((resolve, reject) => {
      const target = new URL(url);
      if (target.protocol !== 'https:') {
        reject(new Error(`TLS options are set but ${target.origin} is not https`));
        return;
      }
      const req = request(target, { method: init.method, headers: init.headers, agent, signal: init.signal }, (res) => {
        let reading: Promise<string> | null = null;
        const text = () =>
          (reading ??= new Promise<string>((ok, fail) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.once('end', () => ok(Buffer.concat(chunks).toString('utf8')));
            res.once('error', fail);
            res.once('aborted', () => fail(new Error('the host closed the connection mid-answer')));
          }));
        resolve({
          status: res.statusCode ?? 0,
          headers: {
            get: (name) => {
              const v = res.headers[name.toLowerCase()];
              return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
            },
          },
          text,
          body: {
            cancel: async () => {
              res.destroy();
            },
          },
        });
      });
      req.once('error', reject);
      req.end(init.body);
    });
}
