// SPDX-License-Identifier: Apache-2.0
/**
 * A recording HTTP proxy on the loopback interface, for end-to-end tests that must see exactly what crossed
 * the wire between the gateway and the legacy host: every request is recorded (method, path, headers, body)
 * and forwarded unchanged to the real host (the simulator); its answer goes back unchanged.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export class RecordingProxy {
  readonly requests: RecordedRequest[] = [];
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(target: string): Promise<RecordingProxy> {
    let proxy: RecordingProxy | null = null;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        proxy!.requests.push({ method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body: body.toString('utf8') });
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) {
          if (typeof v === 'string' && !['host', 'connection', 'content-length', 'transfer-encoding'].includes(k)) headers[k] = v;
        }
        fetch(`${target}${req.url ?? '/'}`, {
          method: req.method,
          headers,
          body: ['GET', 'HEAD'].includes(req.method ?? 'GET') ? undefined : body,
        })
          .then(async (answer) => {
            const text = Buffer.from(await answer.arrayBuffer());
            const out: Record<string, string> = {};
            answer.headers.forEach((v, k) => {
              if (!['content-length', 'transfer-encoding', 'connection', 'content-encoding'].includes(k)) out[k] = v;
            });
            res.writeHead(answer.status, out).end(text);
          })
          .catch(() => res.destroy());
      });
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    proxy = new RecordingProxy(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return proxy;
  }

  /** The bodies sent to a path (e.g. `/v1/payments`). */
  bodiesTo(path: string): string[] {
    return this.requests.filter((r) => r.method === 'POST' && r.path === path).map((r) => r.body);
  }

  stop(): Promise<void> {
    return new Promise((ok) => this.server.close(() => ok()));
  }
}
