// SPDX-License-Identifier: Apache-2.0
import type { LoggerService } from '@nestjs/common';
import { Logger as NestPinoLogger, PinoLogger } from 'nestjs-pino';
import { pino, type DestinationStream, type Logger as Pino, type LoggerOptions } from 'pino';
import pretty from 'pino-pretty';
import type { LoggingConfig } from '../config/configuration.js';
import { logContextMixin } from './log-context.js';

/** LOG_LEVEL (Nest's names, kept for compatibility) to pino's level names. */
export const PINO_LEVEL: Record<LoggingConfig['level'], 'error' | 'warn' | 'info' | 'debug'> = {
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
};

const CENSOR = '[redacted]';

/**
 * What is censored wherever it appears in a logged object (top level, one level down, and request headers):
 * credentials and tokens. Nothing in the gateway logs these; this is the net under a future mistake.
 * Bodies are never logged at all (the request line names method, path, status and time only).
 */
const SECRET_KEYS = [
  'authorization',
  'Authorization',
  'cookie',
  'password',
  'secret',
  'client_secret',
  'clientSecret',
  'token',
  'access_token',
  'accessToken',
  'refresh_token',
  'authHeader',
  'body',
];
const HYPHENATED = ['proxy-authorization', 'set-cookie'];

export const REDACT_PATHS: readonly string[] = [
  ...SECRET_KEYS.flatMap((key) => [key, `*.${key}`]),
  ...HYPHENATED.flatMap((key) => [`["${key}"]`, `*["${key}"]`]),
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
];

/** The pino options of the gateway's one root logger (format-independent). */
export function pinoOptions(config: Pick<LoggingConfig, 'level'>): LoggerOptions {
  return {
    level: PINO_LEVEL[config.level],
    messageKey: 'msg',
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: [...REDACT_PATHS], censor: CENSOR },
    // request id, transaction id, UETR, client id, job type and attempt of the current request or job; pino calls
    // it only for lines whose level is on
    mixin: logContextMixin,
  };
}

/**
 * Where lines go: standard output as JSON lines (synchronous writes, so nothing is lost when the process
 * exits), or through pino-pretty for a person at a terminal.
 */
export function logDestination(format: LoggingConfig['format'], fd = 1): DestinationStream {
  if (format === 'pretty') {
    return pretty({
      destination: fd,
      sync: true,
      colorize: fd === 1 ? Boolean(process.stdout.isTTY) : false,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname',
      messageFormat: '{if context}[{context}] {end}{msg}',
    });
  }
  return pino.destination({ dest: fd, sync: true });
}

let root: Pino | undefined;

/** The gateway's root pino logger, as LOG_LEVEL and LOG_FORMAT say; the one `isLogged` answers for. */
export function createRootLogger(config: LoggingConfig, destination: DestinationStream = logDestination(config.format)): Pino {
  root = pino(pinoOptions(config), destination);
  return root;
}

/**
 * Whether lines of `level` are written: code that builds a log object on a hot path asks first (the bench
 * runs at LOG_LEVEL=warn). Without a root logger (unit tests), yes.
 */
export function isLogged(level: 'debug' | 'info' | 'warn'): boolean {
  return root ? root.isLevelEnabled(level) : true;
}

/**
 * Nest's logger service on `root` (nestjs-pino): `new Logger('Worker').log(...)` anywhere in the gateway
 * becomes a pino line with `context: "Worker"` (log → info, verbose → trace). nestjs-pino keeps one root per
 * process: the first call wins.
 */
export function nestLoggerOn(root: Pino): LoggerService {
  return new NestPinoLogger(new PinoLogger({ pinoHttp: { logger: root, autoLogging: false } }), {});
}
