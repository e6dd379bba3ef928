// SPDX-License-Identifier: Apache-2.0
import { randomUUID } from 'node:crypto';
import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AdmissionRefusedError, RegionFencedWriteError, RegionNotHomeError, StoreUnavailableError } from '#application';
import {
  admissionProblem,
  ProblemException,
  problemType,
  regionWriteProblem,
  storeUnavailableProblem,
  type ProblemBody,
} from './problem.js';

interface FastifyishError {
  code?: string;
  statusCode?: number;
  message?: string;
}

/** Maps every error to an RFC 9457 `application/problem+json` answer with a stable code. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly log = new Logger('HTTP');

  catch(thrown: unknown, host: ArgumentsHost): void {
    const exception =
      thrown instanceof AdmissionRefusedError
        ? admissionProblem(thrown)
        : thrown instanceof RegionNotHomeError || thrown instanceof RegionFencedWriteError
          ? regionWriteProblem(thrown)
          : thrown instanceof StoreUnavailableError
            ? storeUnavailableProblem(thrown, this.log)
            : thrown;
    const ctx = host.switchToHttp();
    const reply = ctx.getResponse<FastifyReply>();
    const request = ctx.getRequest<FastifyRequest>();
    const problem = this.toProblem(exception, request);
    problem.instance ??= request.url.split('?')[0];
    problem.requestId = String(request.id);
    const oauth = oauthErrorFor(request.method, problem);
    if (oauth) {
      void reply.status(400).header('Cache-Control', 'no-store').header('Content-Type', 'application/json').send(oauth);
      return;
    }
    if (exception instanceof ProblemException) {
      for (const [k, v] of Object.entries(exception.headers)) void reply.header(k, v);
    }
    if (problem.status === 401) void reply.header('WWW-Authenticate', 'Bearer realm="clearway"');
    void reply.status(problem.status).header('Content-Type', 'application/problem+json').send(problem);
  }

  private toProblem(exception: unknown, request: FastifyRequest): ProblemBody {
    if (exception instanceof ProblemException) return { ...exception.problem };
    const fe = exception as FastifyishError;
    if (fe?.code === 'PAGINATION.INVALID_CURSOR') {
      return this.make(400, 'REQUEST.INVALID_QUERY', 'cursor is not one this gateway handed out');
    }
    if (fe?.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return this.make(413, 'REQUEST.TOO_LARGE', 'the request body is larger than the gateway accepts');
    }
    if (fe?.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return this.make(415, 'REQUEST.UNSUPPORTED_MEDIA_TYPE', fe.message ?? 'unsupported content type');
    }
    if (fe?.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || fe?.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
      return this.make(400, 'REQUEST.MALFORMED', fe.message ?? 'malformed body');
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const codes: Record<number, string> = {
        401: 'AUTH.UNAUTHENTICATED',
        403: 'AUTH.FORBIDDEN',
        404: 'REQUEST.NOT_FOUND',
        405: 'REQUEST.METHOD_NOT_ALLOWED',
        413: 'REQUEST.TOO_LARGE',
        415: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
        429: 'REQUEST.RATE_LIMITED',
      };
      const detail = status === 401 ? 'a valid bearer token is required' : exception.message;
      return this.make(status, codes[status] ?? (status < 500 ? 'REQUEST.INVALID' : 'SERVER.ERROR'), detail);
    }
    if (typeof fe?.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
      return this.make(fe.statusCode, 'REQUEST.INVALID', fe.message ?? 'invalid request');
    }
    this.log.error(`[req ${request.id}] ${exception instanceof Error ? (exception.stack ?? exception.message) : String(exception)}`);
    return this.make(500, 'SERVER.ERROR', 'an unexpected error occurred; nothing already accepted was lost');
  }

  private make(status: number, code: string, detail: string): ProblemBody {
    const p = new ProblemException(status, code, detail).problem;
    return { ...p, type: problemType(code) };
  }
}

/** The token endpoint answers in RFC 6749 §5.2 form, not as problems. */
export const TOKEN_PATH = '/oauth2/token';

/**
 * The RFC 6749 §5.2 error for a request to the token endpoint refused before its controller ran (a body the
 * parser refused: bad JSON, a form with `__proto__`, too large, an unsupported content type): invalid_request,
 * 400. Null for every other request, and for what is not a refusal of the body (404, 405, 5xx).
 */
export function oauthErrorFor(method: string, problem: ProblemBody): { error: 'invalid_request'; error_description: string } | null {
  if (method !== 'POST' || problem.instance !== TOKEN_PATH || ![400, 413, 415].includes(problem.status)) return null;
  return { error: 'invalid_request', error_description: problem.detail };
}

/**
 * The problem for an error Fastify raises before any route runs (FastifyAdapter `frameworkErrors`): a path
 * with bad %-encoding, or a path parameter longer than Fastify takes. Without it they were answered in
 * Fastify's own JSON, not as problems.
 */
export function frameworkProblem(error: FastifyishError, path: string): ProblemBody {
  const [status, code, detail] =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? [414, 'REQUEST.URI_TOO_LONG', 'a path parameter is longer than the gateway accepts']
      : error.code === 'FST_ERR_BAD_URL'
        ? [400, 'REQUEST.INVALID_URL', 'the path is not valid %-encoded UTF-8']
        : [400, 'REQUEST.INVALID', error.message ?? 'invalid request'];
  return { ...new ProblemException(status, code, detail).problem, instance: path.split('?')[0] };
}

/**
 * The raw HTTP answer to a request Node's HTTP parser refused before Fastify saw it (Fastify
 * `clientErrorHandler`): headers too large (431), a client too slow (408), anything else unparseable (400),
 * as a problem like every other error. Null for a reset connection (nothing to answer).
 */
export function clientErrorResponse(error: { code?: string }): string | null {
  if (error.code === 'ECONNRESET') return null;
  const [status, code, detail] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'REQUEST.HEADERS_TOO_LARGE', 'the request headers are larger than the gateway accepts']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'REQUEST.TIMEOUT', 'the request was not received in time']
        : [400, 'REQUEST.MALFORMED', 'the request is not valid HTTP'];
  // Node refused the request before Fastify saw it: no request id was read, so one is made.
  const requestId = randomUUID();
  const problem = { ...new ProblemException(status, code, detail).problem, requestId };
  const body = JSON.stringify(problem);
  return (
    `HTTP/1.1 ${status} ${problem.title}\r\nContent-Type: application/problem+json\r\nX-Request-Id: ${requestId}\r\n` +
    `X-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  );
}
