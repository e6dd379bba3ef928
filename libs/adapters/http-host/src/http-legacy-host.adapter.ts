// SPDX-License-Identifier: Apache-2.0
import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import {
  HostProtocolError,
  HostUnavailableError,
  readHostAnswer,
  type CancellationOutcome,
  type HostAnswerCodec,
  type HostCallTracer,
  type HostCallRecord,
  type HostOperation,
  type HostMessage,
  type HostOutcome,
  type HostStatusOutcome,
  type LegacyHost,
  type ReturnOutcome,
} from '#application';
import { backoffDelay } from '#application';
import { isRetryableStatus, parseRetryAfter } from './retry-policy.js';
import { tlsFetch, type HostFetch, type HostResponse, type HostTlsOptions } from './tls-transport.js';

/** What the adapter needs of the ISO 20022 codec (the real `Iso20022Codec` fits; tests may pass a fake). */
export type HostAnswerReader = HostAnswerCodec;
/** @deprecated the adapter now also reads camt.029: use HostAnswerReader. */
export type Pacs002Reader = HostAnswerReader;

/** What one call posts, and how its answer becomes the call's outcome. */
interface Exchange<T> {
  path: string;
  operation: HostOperation;
  /** `payment`, `cancellation request`, `return`: for messages and logs. */
  what: string;
  message: HostMessage;
  read: (status: number, body: string) => T;
  /** Non-2xx statuses whose answer `read` reads too (a status request's 404 with the host's pacs.002 NOOR). */
  readAlso?: readonly number[];
}

export interface HttpLegacyHostOptions {
  /** e.g. `http://legacy-host:8081` (no trailing `/v1`). */
  baseUrl: string;
  codec: HostAnswerReader;
  /** Per attempt, covering connect, headers and body. Default 5000. */
  timeoutMs?: number;
  /** Attempts per `deliver()` call, the first included. Default 3. */
  attempts?: number;
  /** Backoff: full jitter over min(backoffMaxMs, backoffBaseMs * 2^(n-1)). Defaults 200 and 2000. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /**
   * A Retry-After up to this long is waited for; a longer one ends the call at once with a retryable
   * HostUnavailableError, so the caller's queue retries later instead of a worker sleeping. Default 5000.
   */
  retryAfterMaxMs?: number;
  /** Timeout of `ping()`. Default min(timeoutMs, 2000). */
  pingTimeoutMs?: number;
  /**
   * Sent as the `Authorization` header value (e.g. `Bearer ...`, `Basic ...`); a function is asked before every
   * call (a secret store with a cache: a rotated credential is used once the cache ends). Never logged.
   */
  authHeader?: string | (() => Promise<string | null>);
  /**
   * TLS towards an https:// host: a private CA (instead of the system's) and/or a client certificate and key
   * (mutual TLS). Without it, https:// uses the system's CAs and no client certificate.
   */
  tls?: HostTlsOptions;
  /** For tests: the jitter source (0 <= x < 1). */
  random?: () => number;
  logger?: Pick<Logger, 'warn' | 'debug'>;
  /** Tracing on: each call (all its attempts) is a span, and its `traceparent` goes to the host as a header. */
  tracer?: HostCallTracer;
  /** Told about every call when it ends (metrics): operation, outcome, seconds. */
  onCall?: (call: HostCallRecord) => void;
}

/**
 * Talks to a legacy payment host over HTTP: `POST {baseUrl}/v1/payments` (a pacs.008, answered by a
 * pacs.002), `POST {baseUrl}/v1/cancellations` (a camt.056, answered by a camt.029),
 * `POST {baseUrl}/v1/returns` (a pacs.004, answered by a pacs.002) and `POST {baseUrl}/v1/status-requests`
 * (a pacs.028, answered by the host's pacs.002 about the original payment). Safe to retry because every
 * attempt carries the same `Idempotency-Key`; the host must answer a re-delivery with its first outcome.
 * Every answer is read by the application's `readHostAnswer`, as the other transports do.
 */
export class HttpLegacyHost implements LegacyHost {
  readonly name = 'http';
  private readonly baseUrl: string;
  private readonly codec: HostAnswerReader;
  private readonly timeoutMs: number;
  /** Attempts that got no answer within `timeoutMs` since start (GET /metrics: `clearway_host_call_timeouts_total`). */
  readonly calls = { timedOut: 0 };
  private readonly attempts: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly retryAfterMaxMs: number;
  private readonly pingTimeoutMs: number;
  private readonly authHeaderSource: string | (() => Promise<string | null>) | undefined;
  private readonly random: () => number;
  private readonly fetch: HostFetch;
  private readonly logger: Pick<Logger, 'warn' | 'debug'>;
  private readonly tracer: HostCallTracer | null;
  private readonly onCall: ((call: HostCallRecord) => void) | undefined;

  constructor(options: HttpLegacyHostOptions) {
    let base: URL;
    try {
      base = new URL(options.baseUrl);
    } catch {
      throw new Error(`HttpLegacyHost: baseUrl "${options.baseUrl}" is not a URL`);
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new Error(`HttpLegacyHost: baseUrl must be http(s), not ${base.protocol}`);
    }
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.codec = options.codec;
    this.timeoutMs = positive(options.timeoutMs, 5000, 'timeoutMs');
    this.attempts = Math.floor(positive(options.attempts, 3, 'attempts'));
    this.backoffBaseMs = nonNegative(options.backoffBaseMs, 200, 'backoffBaseMs');
    this.backoffMaxMs = nonNegative(options.backoffMaxMs, 2000, 'backoffMaxMs');
    this.retryAfterMaxMs = nonNegative(options.retryAfterMaxMs, 5000, 'retryAfterMaxMs');
    this.pingTimeoutMs = positive(options.pingTimeoutMs, Math.min(this.timeoutMs, 2000), 'pingTimeoutMs');
    this.authHeaderSource = options.authHeader;
    this.random = options.random ?? Math.random;
    if (options.tls && base.protocol !== 'https:') throw new Error('HttpLegacyHost: tls options need an https:// baseUrl');
    this.fetch = options.tls ? tlsFetch(options.tls) : (url, init) => fetch(url, init);
    this.logger = options.logger ?? new Logger('HttpLegacyHost');
    this.tracer = options.tracer ?? null;
    this.onCall = options.onCall;
  }

  /** Sends a camt.056; the host's camt.029 decides (CNCL -> cancelled, RJCR -> refused, PDCR -> pending). */
  requestCancellation(request: HostMessage): Promise<CancellationOutcome> {
    return this.exchange({
      path: '/v1/cancellations',
      what: 'cancellation request',
      operation: 'cancel',
      message: request,
      read: (status, body) => {
        if (body.trim() === '' && (status === 202 || status === 204)) return { kind: 'pending', resolution: null };
        if (body.trim() === '') throw new HostProtocolError(`HTTP ${status} without a camt.029`);
        const outcome = readHostAnswer(this.codec, 'cancellation', body, request);
        this.logger.debug(`cancellation of ${request.transactionId}: host answered ${outcome.kind}`);
        return outcome;
      },
    });
  }

  /** Sends a pacs.004; the host's pacs.002 decides (ACSC -> accepted, RJCT -> rejected). */
  deliverReturn(request: HostMessage): Promise<ReturnOutcome> {
    return this.exchange({
      path: '/v1/returns',
      what: 'return',
      operation: 'return',
      message: request,
      read: (status, body) => {
        if (body.trim() === '' && (status === 202 || status === 204)) return { kind: 'pending', statusReport: null };
        if (body.trim() === '') throw new HostProtocolError(`HTTP ${status} without a status report`);
        const outcome = readHostAnswer(this.codec, 'return', body, request);
        this.logger.debug(`return of ${request.transactionId}: host answered ${outcome.kind}`);
        return outcome;
      },
    });
  }

  /**
   * Sends a pacs.028; the host's pacs.002 about the original payment decides (ACSC settled, RJCT rejected,
   * pending, RJCT NOOR unknown). The host may answer "no record" as 404 with that pacs.002; a 404 without a
   * pacs.002 (a host without this route) is refused, not taken for "unknown". No answer (a 2xx without a body
   * included) is HostUnavailableError: not knowing is never an outcome.
   */
  requestStatus(request: HostMessage): Promise<HostStatusOutcome> {
    return this.exchange({
      path: '/v1/status-requests',
      what: 'status request',
      operation: 'status',
      message: request,
      readAlso: [404],
      read: (status, body) => {
        if (status === 404 && !PACS002_ROOT.test(body)) {
          throw new HostUnavailableError(
            `legacy host answered the status request of ${request.transactionId} with HTTP 404 without a pacs.002: it does not take status requests at ${this.baseUrl}/v1/status-requests`,
            false,
          );
        }
        if (body.trim() === '') throw new HostProtocolError(`HTTP ${status} without a status report`);
        const outcome = readHostAnswer(this.codec, 'status', body, request);
        if (status === 404 && outcome.kind !== 'unknown') {
          throw new HostProtocolError(`HTTP 404 with a pacs.002 that says ${outcome.kind}`);
        }
        this.logger.debug(`status request of ${request.transactionId}: host answered ${outcome.kind}`);
        return outcome;
      },
    });
  }

  /** Sends a pacs.008; the host's pacs.002 decides. */
  deliver(delivery: HostMessage): Promise<HostOutcome> {
    return this.exchange({
      path: '/v1/payments',
      what: 'payment',
      operation: 'deliver',
      message: delivery,
      read: (status, body) => this.readOutcome(status, body, delivery),
    });
  }

  /**
   * One call: POST with the idempotency headers, attempts with backoff (Retry-After honoured up to
   * retryAfterMaxMs), 2xx answers read by `read`; other answers and network failures as HostUnavailableError.
   */
  private async exchange<T extends { kind: string }>(x: Exchange<T>): Promise<T> {
    const started = performance.now();
    const call = { timedOut: false };
    const report = (outcome: string) => this.onCall?.({ operation: x.operation, outcome, seconds: (performance.now() - started) / 1000 });
    try {
      const outcome = await this.traced(x, call);
      report(outcome.kind);
      return outcome;
    } catch (err) {
      report(call.timedOut ? 'timeout' : 'error');
      throw err;
    }
  }

  /** Tracing on: the call (all its attempts) is a span, and its `traceparent` goes to the host as a header. */
  private traced<T>(x: Exchange<T>, call: { timedOut: boolean }): Promise<T> {
    if (!this.tracer) return this.attemptAll(x, call, null);
    const { message } = x;
    return this.tracer(
      `host ${x.what}`,
      { 'clearway.transaction_id': message.transactionId, 'clearway.message_type': message.messageType, 'clearway.host': this.name },
      (traceHeaders) => this.attemptAll(x, call, traceHeaders),
    );
  }

  /** The attempts of one call; `call.timedOut` tells whether the last attempt got no answer in time. */
  private async attemptAll<T>(
    { path, what, message, read, readAlso = [] }: Exchange<T>,
    call: { timedOut: boolean },
    traceHeaders: Readonly<Record<string, string>> | null,
  ): Promise<T> {
    const url = `${this.baseUrl}${path}`;
    const headers: Record<string, string> = {
      ...traceHeaders,
      'Content-Type': 'application/xml; charset=utf-8',
      Accept: 'application/xml',
      'Idempotency-Key': message.idempotencyKey,
      'X-Transaction-Id': message.transactionId,
      'X-Message-Type': message.messageType,
    };
    if (message.uetr) headers['X-UETR'] = message.uetr;
    const auth = await this.authHeader();
    if (auth) headers['Authorization'] = auth;

    let lastFailure = 'no attempt made';
    // Whether any attempt may have reached the host (only connect-phase failures prove it did not).
    let maybeSent = false;
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      let retryAfterMs: number | null = null;
      try {
        const res = await this.fetch(url, {
          method: 'POST',
          headers,
          body: message.message,
          redirect: 'manual',
          // One deadline for the whole attempt: connecting, the answer's headers and reading its body.
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        if ((res.status >= 200 && res.status < 300) || readAlso.includes(res.status)) {
          const body = await res.text();
          return read(res.status, body);
        }
        maybeSent = true;
        await discardBody(res);
        if (!isRetryableStatus(res.status)) {
          throw new HostUnavailableError(`legacy host refused ${what} ${message.transactionId}: HTTP ${res.status}`, false);
        }
        lastFailure = `HTTP ${res.status}`;
        call.timedOut = false;
        retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
      } catch (err) {
        if (err instanceof HostUnavailableError) throw err;
        if (err instanceof HostProtocolError) {
          // The host answered, but not usefully; asking again at once would get the same (idempotent) answer.
          throw new HostUnavailableError(`legacy host answer to ${what} ${message.transactionId} unusable: ${err.message}`, true);
        }
        lastFailure = describeFailure(err, this.timeoutMs);
        if (!isNotConnected(err)) maybeSent = true;
        call.timedOut = isTimeout(err);
        if (call.timedOut) this.calls.timedOut++;
      }

      if (attempt === this.attempts) break;
      let delay = backoffDelay(attempt, this.backoffBaseMs, this.backoffMaxMs, this.random);
      if (retryAfterMs !== null) {
        if (retryAfterMs > this.retryAfterMaxMs) {
          throw new HostUnavailableError(
            `legacy host busy (${lastFailure}) and asked to retry after ${Math.ceil(retryAfterMs / 1000)} s`,
            true,
          );
        }
        delay = Math.max(delay, retryAfterMs);
      }
      this.logger.warn(
        `${what} ${message.transactionId} attempt ${attempt}/${this.attempts} failed (${lastFailure}); retrying in ${delay} ms`,
      );
      await sleep(delay);
    }
    throw new HostUnavailableError(
      `legacy host unavailable for ${what} ${message.transactionId} after ${this.attempts} attempt(s): ${lastFailure}`,
      true,
      !maybeSent,
    );
  }

  private async authHeader(): Promise<string | null> {
    const source = this.authHeaderSource;
    return typeof source === 'function' ? source() : (source ?? null);
  }

  async ping(): Promise<void> {
    let res: HostResponse;
    try {
      res = await this.fetch(`${this.baseUrl}/health`, {
        method: 'GET',
        headers: await this.authHeader().then((auth): Record<string, string> => (auth ? { Authorization: auth } : {})),
        redirect: 'manual',
        signal: AbortSignal.timeout(this.pingTimeoutMs),
      });
    } catch (err) {
      throw new HostUnavailableError(`legacy host health check failed: ${describeFailure(err, this.pingTimeoutMs)}`, true);
    }
    await discardBody(res);
    if (res.status < 200 || res.status >= 300) {
      throw new HostUnavailableError(`legacy host health check failed: HTTP ${res.status}`, true);
    }
  }

  private readOutcome(status: number, body: string, delivery: HostMessage): HostOutcome {
    if (body.trim() === '') {
      // 202/204 without a report: the host took it and will answer later.
      if (status === 202 || status === 204) return { kind: 'pending', statusReport: null };
      throw new HostProtocolError(`HTTP ${status} without a status report`);
    }
    const outcome = readHostAnswer(this.codec, 'payment', body, delivery);
    this.logger.debug(`delivery of ${delivery.transactionId}: host answered ${outcome.kind}`);
    return outcome;
  }
}

async function discardBody(res: HostResponse): Promise<void> {
  try {
    await res.body?.cancel();
  } catch {
    // the connection is gone already
  }
}

/** The body element of a pacs.002 (any prefix): what tells a host's "no record" 404 from a missing route. */
const PACS002_ROOT = /<([A-Za-z_][\w.-]*:)?FIToFIPmtStsRpt[\s>]/;

/** A short, body-free description of a failed fetch (duck-typed: fetch's errors may come from another realm). */
/**
 * A failure before any connection was made, so nothing was sent: connection refused, unknown host. Any other
 * failure (a reset, a timeout, TLS after connecting) may have come after the request left.
 */
const NOT_CONNECTED_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);
function isNotConnected(err: unknown): boolean {
  const cause = (err as { cause?: { code?: unknown } } | null)?.cause;
  return typeof cause?.code === 'string' && NOT_CONNECTED_CODES.has(cause.code);
}

function isTimeout(err: unknown): boolean {
  const name = (err as { name?: string } | null)?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}

function describeFailure(err: unknown, timeoutMs: number): string {
  if (typeof err !== 'object' || err === null) return 'network error';
  const { name, message, cause } = err as { name?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } };
  if (name === 'TimeoutError' || name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  if (cause && typeof cause === 'object') {
    if (typeof cause.code === 'string') return `network error ${cause.code}`;
    if (typeof cause.message === 'string') return `network error: ${cause.message}`;
  }
  return typeof message === 'string' ? `network error: ${message}` : 'network error';
}

function positive(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`HttpLegacyHost: ${name} must be a positive number`);
  return v;
}

function nonNegative(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v < 0) throw new Error(`HttpLegacyHost: ${name} must be zero or more`);
  return v;
}
