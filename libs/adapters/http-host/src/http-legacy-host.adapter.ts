import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import {
  HostUnavailableError,
  type CancellationOutcome,
  type HostDelivery,
  type HostOutcome,
  type LegacyHost,
  type ReturnOutcome,
} from '#application';
import type { Iso20022Codec } from '#iso20022';
import { HostProtocolError, outcomeFromPacs002 } from './host-outcome.mapper.js';
import { backoffDelay, isRetryableStatus, parseRetryAfter } from './retry-policy.js';

/** What the adapter needs of the ISO 20022 codec (the real `Iso20022Codec` fits; tests may pass a fake). */
export type Pacs002Reader = Pick<Iso20022Codec, 'parse' | 'readPacs002'>;

export interface HttpLegacyHostOptions {
  /** e.g. `http://legacy-host:8081` (no trailing `/v1`). */
  baseUrl: string;
  codec: Pacs002Reader;
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
  /** Sent as the `Authorization` header value (e.g. `Bearer ...`, `Basic ...`). Never logged. */
  authHeader?: string;
  /** For tests: the jitter source (0 <= x < 1). */
  random?: () => number;
  logger?: Pick<Logger, 'warn' | 'debug'>;
}

/**
 * Delivers pacs.008 messages to a legacy payment host over HTTP: `POST {baseUrl}/v1/payments`, answered by
 * a pacs.002. Safe to retry because every attempt carries the same `Idempotency-Key`; the host must answer a
 * re-delivery with its first outcome.
 */
export class HttpLegacyHost implements LegacyHost {
  readonly name = 'http';
  private readonly baseUrl: string;
  private readonly codec: Pacs002Reader;
  private readonly timeoutMs: number;
  private readonly attempts: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly retryAfterMaxMs: number;
  private readonly pingTimeoutMs: number;
  private readonly authHeader: string | undefined;
  private readonly random: () => number;
  private readonly logger: Pick<Logger, 'warn' | 'debug'>;

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
    this.authHeader = options.authHeader;
    this.random = options.random ?? Math.random;
    this.logger = options.logger ?? new Logger('HttpLegacyHost');
  }

  // Implemented with the camt.029 reader (issue 3); until then the host is asked nothing.
  requestCancellation(request: HostDelivery): Promise<CancellationOutcome> {
    return Promise.reject(new HostUnavailableError(`cancellation over HTTP is not wired yet (${request.transactionId})`, false));
  }

  deliverReturn(request: HostDelivery): Promise<ReturnOutcome> {
    return Promise.reject(new HostUnavailableError(`returns over HTTP are not wired yet (${request.transactionId})`, false));
  }

  async deliver(delivery: HostDelivery): Promise<HostOutcome> {
    const url = `${this.baseUrl}/v1/payments`;
    const headers: Record<string, string> = {
      'Content-Type': 'application/xml; charset=utf-8',
      Accept: 'application/xml',
      'Idempotency-Key': delivery.idempotencyKey,
      'X-Transaction-Id': delivery.transactionId,
      'X-Message-Type': delivery.messageType,
    };
    if (delivery.uetr) headers['X-UETR'] = delivery.uetr;
    if (this.authHeader) headers['Authorization'] = this.authHeader;

    let lastFailure = 'no attempt made';
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      let retryAfterMs: number | null = null;
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers,
          body: delivery.message,
          redirect: 'manual',
          // One deadline for the whole attempt: connecting, the answer's headers and reading its body.
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        if (res.status >= 200 && res.status < 300) {
          const body = await res.text();
          return this.readOutcome(res.status, body, delivery);
        }
        await discardBody(res);
        if (!isRetryableStatus(res.status)) {
          throw new HostUnavailableError(`legacy host refused payment ${delivery.transactionId}: HTTP ${res.status}`, false);
        }
        lastFailure = `HTTP ${res.status}`;
        retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
      } catch (err) {
        if (err instanceof HostUnavailableError) throw err;
        if (err instanceof HostProtocolError) {
          // The host answered, but not usefully; asking again at once would get the same (idempotent) answer.
          throw new HostUnavailableError(`legacy host answer for ${delivery.transactionId} unusable: ${err.message}`, true);
        }
        lastFailure = describeFailure(err, this.timeoutMs);
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
        `delivery of ${delivery.transactionId} attempt ${attempt}/${this.attempts} failed (${lastFailure}); retrying in ${delay} ms`,
      );
      await sleep(delay);
    }
    throw new HostUnavailableError(
      `legacy host unavailable for ${delivery.transactionId} after ${this.attempts} attempt(s): ${lastFailure}`,
      true,
    );
  }

  async ping(): Promise<void> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}/health`, {
        method: 'GET',
        headers: this.authHeader ? { Authorization: this.authHeader } : {},
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

  private readOutcome(status: number, body: string, delivery: HostDelivery): HostOutcome {
    if (body.trim() === '') {
      // 202/204 without a report: the host took it and will answer later.
      if (status === 202 || status === 204) return { kind: 'pending', statusReport: null };
      throw new HostProtocolError(`HTTP ${status} without a status report`);
    }
    let report;
    try {
      report = this.codec.readPacs002(this.codec.parse(body));
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      throw new HostProtocolError(`the answer is not a valid pacs.002${typeof code === 'string' ? ` (${code})` : ''}`);
    }
    const outcome = outcomeFromPacs002(report, body, delivery.uetr);
    this.logger.debug(`delivery of ${delivery.transactionId}: host answered ${report.status}`);
    return outcome;
  }
}

async function discardBody(res: Response): Promise<void> {
  try {
    await res.body?.cancel();
  } catch {
    // the connection is gone already
  }
}

/** A short, body-free description of a failed fetch (duck-typed: fetch's errors may come from another realm). */
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
