// SPDX-License-Identifier: Apache-2.0
import {
  ScreeningUnavailableError,
  type ScreeningCallTracer,
  type ScreeningRequest,
  type ScreeningResult,
  type ScreeningService,
} from '#application';

export interface HttpScreeningOptions {
  /** The endpoint the request is POSTed to, e.g. `https://screening.internal/v1/screen` (SCREENING_URL). */
  url: string;
  /** One deadline for the whole call: connect, headers and body (SCREENING_TIMEOUT_MS). Default 2000. */
  timeoutMs?: number;
  /** Sent as the `Authorization` header value. Never logged. */
  authHeader?: string;
  /** Largest answer read, in bytes. Default 65536. */
  maxAnswerBytes?: number;
  /** Tracing on: each call is a span (`screening screen`), its `traceparent` (and `tracestate`) request headers. */
  tracer?: ScreeningCallTracer;
}

const MAX_REFERENCE = 64;
const MAX_TEXT = 140;

/**
 * Sanctions screening over HTTP: `POST {url}` with a JSON body
 * `{transactionId, uetr, endToEndId, amount, currency, debtor: {name, country, bic}, creditor: {...}}`
 * (amount as the decimal string of the message), answered by 200 `{"result": "clear" | "hit",
 * "reference"?: string, "reason"?: string}`. Anything else (no answer within the timeout, a non-2xx
 * status, a body that is not that JSON) is a ScreeningUnavailableError: the rule's failure policy decides.
 * One attempt per call; the work queue retries (fail-closed) with backoff.
 */
export class HttpScreeningService implements ScreeningService {
  readonly name = 'http';
  private readonly url: string;
  private readonly timeoutMs: number;
  private readonly authHeader: string | undefined;
  private readonly maxAnswerBytes: number;
  private readonly tracer: ScreeningCallTracer | null;
  /** The service's host name, as a span attribute (never its path or query). */
  private readonly address: string;

  constructor(options: HttpScreeningOptions) {
    let parsed: URL;
    try {
      parsed = new URL(options.url);
    } catch {
      throw new Error('HttpScreeningService: url is not a URL');
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new Error(`HttpScreeningService: url must be http(s), not ${parsed.protocol}`);
    }
    if (parsed.username || parsed.password) {
      // fetch refuses such URLs, quoting them (and the secret) in its error; credentials go in authHeader.
      throw new Error('HttpScreeningService: url must not carry credentials; use authHeader (SCREENING_AUTH_HEADER)');
    }
    const timeoutMs = options.timeoutMs ?? 2000;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new Error('HttpScreeningService: timeoutMs must be a positive number');
    this.url = parsed.toString();
    this.timeoutMs = timeoutMs;
    this.authHeader = options.authHeader;
    this.maxAnswerBytes = options.maxAnswerBytes ?? 64 * 1024;
    this.tracer = options.tracer ?? null;
    this.address = parsed.hostname;
  }

  /**
   * Whether the service answers at all (for the gateway's dependencies report): a HEAD to its URL within the
   * timeout; any HTTP answer below 500 counts (the endpoint itself takes only POST). Throws otherwise.
   */
  async ping(): Promise<void> {
    let res: Response;
    try {
      res = await fetch(this.url, {
        method: 'HEAD',
        headers: this.authHeader ? { Authorization: this.authHeader } : {},
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      const timedOut = (e as Error).name === 'TimeoutError';
      throw new ScreeningUnavailableError(timedOut ? `no answer within ${this.timeoutMs} ms` : 'not reachable');
    }
    await res.body?.cancel();
    if (res.status >= 500) throw new ScreeningUnavailableError(`HTTP ${res.status}`);
  }

  screen(request: ScreeningRequest): Promise<ScreeningResult> {
    if (!this.tracer) return this.post(request, {});
    return this.tracer(
      'screening screen',
      { 'clearway.screening.service': this.name, 'clearway.transaction_id': request.transactionId, 'server.address': this.address },
      (traceHeaders) => this.post(request, traceHeaders),
    );
  }

  private async post(request: ScreeningRequest, traceHeaders: Readonly<Record<string, string>>): Promise<ScreeningResult> {
    const headers: Record<string, string> = {
      ...traceHeaders,
      'Content-Type': 'application/json',
      Accept: 'application/json',
      'X-Transaction-Id': request.transactionId,
    };
    if (this.authHeader) headers['Authorization'] = this.authHeader;
    const signal = AbortSignal.timeout(this.timeoutMs);
    let res: Response;
    let body: string;
    try {
      res = await fetch(this.url, {
        method: 'POST',
        headers,
        body: JSON.stringify(request),
        redirect: 'manual',
        signal,
      });
      body = await readCapped(res, this.maxAnswerBytes);
    } catch (err) {
      throw new ScreeningUnavailableError(describeFailure(err, this.timeoutMs));
    }
    if (res.status < 200 || res.status >= 300) throw new ScreeningUnavailableError(`screening service answered HTTP ${res.status}`);
    return readVerdict(body);
  }
}

function readVerdict(body: string): ScreeningResult {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new ScreeningUnavailableError('screening service answer is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ScreeningUnavailableError('screening service answer is not a JSON object');
  }
  const { result, reference, reason } = value as Record<string, unknown>;
  const ref = cleanText(reference, MAX_REFERENCE);
  if (result === 'clear') return { kind: 'clear', reference: ref };
  if (result === 'hit') return { kind: 'hit', reference: ref, text: cleanText(reason, MAX_TEXT) };
  throw new ScreeningUnavailableError('screening service answer has no "result" of "clear" or "hit"');
}

/** A printable, bounded string from the service, or null (the text ends up in a pacs.002 and in logs). */
function cleanText(value: unknown, max: number): string | null {
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  const text = String(value)
    // eslint-disable-next-line no-control-regex -- replacing control characters is the point
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .trim();
  return text === '' ? null : [...text].slice(0, max).join('');
}

async function readCapped(res: Response, max: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      throw new Error(`answer larger than ${max} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A short, body-free description of a failed call (duck-typed: fetch's errors may come from another realm). */
function describeFailure(err: unknown, timeoutMs: number): string {
  if (typeof err !== 'object' || err === null) return 'network error';
  const { name, message, cause } = err as { name?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } };
  if (name === 'TimeoutError' || name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  if (cause && typeof cause === 'object') {
    if (typeof cause.code === 'string') return `network error ${cause.code}`;
    if (typeof cause.message === 'string') return `network error: ${cause.message}`;
  }
  return typeof message === 'string' ? `screening service: ${message}` : 'network error';
}
