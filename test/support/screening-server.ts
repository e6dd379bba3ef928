// SPDX-License-Identifier: Apache-2.0
/**
 * A controllable sanctions-screening service for tests: a real HTTP server on the loopback interface that
 * speaks the protocol of libs/adapters/screening-http (POST JSON, answer `{"result": "clear" | "hit",
 * "reference"}`). By default a party whose name is on `watchList` is a hit and everything else is clear;
 * `answer` overrides that per request (any status, any body, a delay, a hang, a dropped connection), and
 * `stop()` / `start()` take the whole service away and bring it back on the same port.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScreeningCall {
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (null when it was not JSON). */
  body: {
    transactionId: string;
    uetr: string | null;
    endToEndId: string;
    amount: string;
    currency: string;
    debtor: { name: string | null; country: string | null; bic: string | null };
    creditor: { name: string | null; country: string | null; bic: string | null };
  } | null;
  raw: string;
}

export type ScreeningAnswer =
  /** Answer with this status and body (`json` is serialized; `raw` is sent as it is). */
  | { status?: number; json?: unknown; raw?: string; contentType?: string; delayMs?: number }
  /** Never answer (the client's timeout must end the call). */
  | { hang: true }
  /** Close the connection without an answer. */
  | { destroy: true };

export class TestScreeningServer {
  readonly calls: ScreeningCall[] = [];
  /** Names (debtor or creditor) that are hits. */
  readonly watchList = new Set<string>();
  /** When set, decides every answer instead of the watch list. */
  answer: ((call: ScreeningCall) => ScreeningAnswer) | null = null;
  private server: Server | null = null;
  private readonly hanging = new Set<ServerResponse>();
  private port = 0;

  private constructor() {}

  static async start(): Promise<TestScreeningServer> {
    const s = new TestScreeningServer();
    await s.start();
    return s;
  }

  /** The URL to configure as SCREENING_URL. */
  get url(): string {
    return `http://127.0.0.1:${this.port}/screen`;
  }

  get running(): boolean {
    return this.server !== null;
  }

  /** Calls about one transaction. */
  callsFor(transactionId: string): ScreeningCall[] {
    return this.calls.filter((c) => c.body?.transactionId === transactionId);
  }

  /** Listens (again): on a free port the first time, on the same port after `stop()`. */
  async start(): Promise<void> {
    if (this.server) return;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.handle(req.headers, Buffer.concat(chunks).toString('utf8'), res));
    });
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(this.port, '127.0.0.1', () => ok());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Takes the service away: the port refuses connections until `start()`. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
    server.closeAllConnections();
    await new Promise<void>((ok) => server.close(() => ok()));
  }

  private handle(headers: IncomingHttpHeaders, raw: string, res: ServerResponse): void {
    let body: ScreeningCall['body'];
    try {
      body = JSON.parse(raw) as ScreeningCall['body'];
    } catch {
      body = null;
    }
    const call: ScreeningCall = { headers, body, raw };
    this.calls.push(call);
    const answer = this.answer ? this.answer(call) : this.byWatchList(call);
    if ('hang' in answer) {
      this.hanging.add(res);
      res.on('close', () => this.hanging.delete(res));
      return;
    }
    if ('destroy' in answer) {
      res.destroy();
      return;
    }
    const send = () => {
      if (res.destroyed) return;
      const text = answer.raw ?? JSON.stringify(answer.json ?? {});
      res.writeHead(answer.status ?? 200, { 'content-type': answer.contentType ?? 'application/json' }).end(text);
    };
    if (answer.delayMs) {
      this.hanging.add(res);
      setTimeout(() => {
        this.hanging.delete(res);
        send();
      }, answer.delayMs).unref();
    } else send();
  }

  private byWatchList(call: ScreeningCall): ScreeningAnswer {
    const n = this.calls.length;
    const names = [call.body?.debtor?.name, call.body?.creditor?.name];
    const hit = names.some((name) => name && this.watchList.has(name));
    return {
      json: hit
        ? { result: 'hit', reference: `SCR-HIT-${n}`, reason: 'watch-list name match' }
        : { result: 'clear', reference: `SCR-${n}` },
    };
  }
}
