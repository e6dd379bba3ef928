// SPDX-License-Identifier: Apache-2.0
import { HttpException } from '@nestjs/common';
import { type AdmissionRefusedError, RegionNotHomeError, type RegionFencedWriteError, type StoreUnavailableError } from '#application';

export interface ProblemIssue {
  line?: number;
  path?: string;
  message: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  errors?: ProblemIssue[];
  [extension: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Content Too Large',
  421: 'Misdirected Request',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** The `type` URI of a problem: one page per stable code. */
export function problemType(code: string): string {
  return `https://clearway.dev/problems/${code.toLowerCase().replace(/[._]/g, '-')}`;
}

/** The RFC 9457 members (and `code`) a problem's extensions can never replace. */
const RESERVED = new Set(['type', 'title', 'status', 'detail', 'code']);

/**
 * An RFC 9457 problem, thrown by inbound adapters and written by ProblemFilter. Extensions are added beside
 * the standard members and never replace them: an extension named `status` (a payment status such as `PDNG`)
 * once replaced the HTTP status, and Fastify then failed the answer with a 500.
 */
export class ProblemException extends HttpException {
  constructor(
    status: number,
    readonly code: string,
    detail: string,
    extensions: Omit<Partial<ProblemBody>, 'status' | 'code' | 'detail'> = {},
    readonly headers: Record<string, string> = {},
  ) {
    const body: ProblemBody = {
      type: problemType(code),
      title: TITLES[status] ?? 'Error',
      status,
      detail,
      code,
    };
    for (const [name, value] of Object.entries(extensions)) {
      if (!RESERVED.has(name) && value !== undefined) body[name] = value;
    }
    super(body, status);
  }

  get problem(): ProblemBody {
    return this.getResponse() as ProblemBody;
  }
}

/**
 * Admission control's refusal (AdmissionRefusedError, from the inbox) as a problem: 503 when the gateway is
 * overloaded, 429 when the client is over its quota, each with `Retry-After` in seconds.
 */
export function admissionProblem(e: AdmissionRefusedError): ProblemException {
  const status = e.code === 'ADMISSION.CLIENT_QUOTA' ? 429 : 503;
  return new ProblemException(
    status,
    e.code,
    e.message,
    { retryAfterSeconds: e.retryAfterSeconds },
    { 'Retry-After': String(e.retryAfterSeconds) },
  );
}

/**
 * CONSISTENCY=eventual (docs/multi-region.md): a write on a payment this region does not own answers 421 naming
 * the region that owns it (send it there); a write refused because this region was just taken over answers 503,
 * retryable at the surviving region.
 */
export function regionWriteProblem(e: RegionNotHomeError | RegionFencedWriteError): ProblemException {
  if (e instanceof RegionNotHomeError) {
    return new ProblemException(421, e.code, e.message, { homeRegion: e.homeRegion, region: e.region });
  }
  return new ProblemException(503, e.code, e.message, { homeRegion: e.token.home, retryAfterSeconds: 5 }, { 'Retry-After': '5' });
}

/**
 * The store could not be reached (a PostgreSQL restart, a network cut): 503 with Retry-After, logged as a warning
 * without the cause's connection details. Nothing the client sent is lost by retrying: a retry with the same
 * X-Transaction-Id finds the payment when the cut-off write had committed.
 */
export function storeUnavailableProblem(e: StoreUnavailableError, log: { warn(message: string): void }): ProblemException {
  log.warn(e.message);
  return new ProblemException(
    503,
    e.code,
    'the store is unavailable for a moment; retry (with the same X-Transaction-Id, a payment is never taken twice)',
    { retryAfterSeconds: e.retryAfterSeconds },
    { 'Retry-After': String(e.retryAfterSeconds) },
  );
}
