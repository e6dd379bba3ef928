// SPDX-License-Identifier: Apache-2.0
import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import {
  answerKindOf,
  HostProtocolError,
  HostUnavailableError,
  readHostAnswer,
  type CancellationOutcome,
  type HostAnswerCodec,
  type HostAnswerKind,
  type HostAnswerKinds,
  type HostCallTracer,
  type HostCallRecord,
  type HostOperation,
  type HostMessage,
  type HostOutcome,
  type HostStatusOutcome,
  type LegacyHost,
  type ReturnOutcome,
} from '#application';
import type { AmqpDelivery, AmqpSession } from './amqp-session.js';
import type { AmqpTopologyNames } from './amqp-topology.js';

/** Wire names of the message headers (AMQP table fields) on requests and replies. */
export const AmqpHeader = {
  MESSAGE_TYPE: 'x-message-type',
  TRANSACTION_ID: 'x-transaction-id',
  UETR: 'x-uetr',
  IDEMPOTENCY_KEY: 'x-idempotency-key',
  /** On a reply: the message type of the request it answers (`pacs.008.001.08`, `camt.056.001.08`, `pacs.028.001.03`, ...). */
  IN_REPLY_TO_TYPE: 'x-in-reply-to-type',
  /** On a reply: the host could not take the request (like an HTTP 503); no body. */
  ERROR_CODE: 'x-error-code',
  ERROR_TEXT: 'x-error-text',
  /** On an error reply: `false` when asking again cannot help (the request itself is refused). */
  ERROR_RETRYABLE: 'x-error-retryable',
  /** On a request, when tracing is on: the W3C trace context of the call (as the W3C AMQP binding names it). */
  TRACEPARENT: 'traceparent',
  TRACESTATE: 'tracestate',
} as const;

/** @deprecated the adapter reads camt.029 too: what it needs of the codec is the application's `HostAnswerCodec`. */
export type Pacs002Reader = HostAnswerCodec;

/** A host answer that arrived when no call in this process waited for it (after HOST_TIMEOUT_MS, or sent by another process). */
export interface LateHostAnswer {
  transactionId: string;
  /**
   * The type of the request it answers: a pacs.008 (any outcome), or a pacs.028 whose answer is definitive
   * (settled or rejected; a late `pending` or `unknown` status answer is dropped: the next inquiry asks again).
   */
  requestType: string;
  outcome: HostOutcome;
}

export interface AmqpLegacyHostOptions {
  session: AmqpSession;
  topology: Pick<AmqpTopologyNames, 'requestQueue' | 'replyQueue'>;
  /** Reads the host's pacs.002 and camt.029 (the real `Iso20022Codec` fits). */
  codec: HostAnswerCodec;
  /** How long a call waits for the host's answer (HOST_TIMEOUT_MS); after it the outcome is `pending`. Default 5000. */
  timeoutMs?: number;
  /** How long a call waits for a connection and the broker's publisher confirm. Default min(timeoutMs, 5000). */
  publishTimeoutMs?: number;
  /** Replies in flight to this process (consumer prefetch). Default 64. */
  replyPrefetch?: number;
  logger?: Pick<Logger, 'log' | 'warn' | 'debug'>;
  /** Tracing on: each call (publish and wait for the reply) is a span, its `traceparent` a message header. */
  tracer?: HostCallTracer;
  /** Told about every call when it ends (metrics): operation, outcome (`timeout` when no answer came in time), seconds. */
  onCall?: (call: HostCallRecord) => void;
}

interface Reply {
  body: string;
  errorCode: string | null;
  errorText: string | null;
  retryable: boolean;
}

/**
 * The legacy host over RabbitMQ. A call publishes the message to the request queue (persistent, publisher
 * confirms) with headers naming its type, transaction, UETR and idempotency key, a fresh correlation id and
 * `reply-to` = the reply queue, then waits for the reply with that correlation id. The reply queue is durable
 * and shared by every gateway process: a reply nobody here waits for (it came after `timeoutMs`, or another
 * process asked) goes to the late-answer handler, which applies it to the payment idempotently. Calls are
 * idempotent at the host by `x-idempotency-key` (the UETR), so re-asking after a timeout or a reconnect is safe.
 * A pacs.028 (status request) goes the same way, with `x-message-type: pacs.028.001.03`. Every answer is read by
 * the application's `readHostAnswer` with the UETR of the message sent, exactly as over HTTP.
 */
export class AmqpLegacyHost implements LegacyHost {
  readonly name = 'amqp';
  private readonly session: AmqpSession;
  private readonly requestQueue: string;
  private readonly replyQueue: string;
  private readonly codec: HostAnswerCodec;
  private readonly timeoutMs: number;
  private readonly publishTimeoutMs: number;
  private readonly replyPrefetch: number;
  private readonly log: Pick<Logger, 'log' | 'warn' | 'debug'>;
  private readonly waiting = new Map<string, (reply: Reply) => void>();
  private lateHandler: ((answer: LateHostAnswer) => Promise<void>) | null = null;
  private uetrOf: ((transactionId: string) => Promise<string | null | undefined>) | null = null;
  private started: Promise<void> | null = null;
  private readonly tracer: HostCallTracer | null;
  private readonly onCall: ((call: HostCallRecord) => void) | undefined;

  constructor(options: AmqpLegacyHostOptions) {
    this.session = options.session;
    this.requestQueue = options.topology.requestQueue;
    this.replyQueue = options.topology.replyQueue;
    this.codec = options.codec;
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.publishTimeoutMs = options.publishTimeoutMs ?? Math.min(this.timeoutMs, 5000);
    this.replyPrefetch = options.replyPrefetch ?? 64;
    this.log = options.logger ?? new Logger('AmqpLegacyHost');
    this.tracer = options.tracer ?? null;
    this.onCall = options.onCall;
  }

  /** Starts consuming the reply queue (idempotent). Called by the first call, or at start by the composition root. */
  start(): Promise<void> {
    // The session keeps the consumer registered and (re)starts it after every reconnect.
    return (this.started ??= this.session.consume(this.replyQueue, this.replyPrefetch, (d) => this.onReply(d)));
  }

  /**
   * Where answers nobody in this process waits for go; without a handler they are acked and dropped (the sweeper
   * re-asks). `uetrOf` gives the UETR of the payment a late answer names (its `x-transaction-id`; `undefined`: no
   * such payment here): the answer is then read by the same rules as an awaited one, against the UETR of what was
   * sent, not against the reply's own `x-uetr` header. An answer about another payment is dead-lettered. Without
   * `uetrOf` (tests) the header is used.
   */
  onLateAnswer(
    handler: (answer: LateHostAnswer) => Promise<void>,
    uetrOf?: (transactionId: string) => Promise<string | null | undefined>,
  ): void {
    this.lateHandler = handler;
    this.uetrOf = uetrOf ?? null;
  }

  /** Calls waiting for an answer now. */
  get inFlight(): number {
    return this.waiting.size;
  }

  deliver(delivery: HostMessage): Promise<HostOutcome> {
    return this.timed('deliver', delivery, (reply) =>
      reply ? this.read('payment', reply.body, delivery) : { kind: 'pending', statusReport: null },
    );
  }

  requestCancellation(request: HostMessage): Promise<CancellationOutcome> {
    return this.timed('cancel', request, (reply) =>
      reply ? this.read('cancellation', reply.body, request) : { kind: 'pending', resolution: null },
    );
  }

  deliverReturn(request: HostMessage): Promise<ReturnOutcome> {
    return this.timed('return', request, (reply) =>
      reply ? this.read('return', reply.body, request) : { kind: 'pending', statusReport: null },
    );
  }

  /**
   * Sends a pacs.028; the host's pacs.002 about the original payment decides (see `readHostAnswer`). No answer
   * within `timeoutMs` is HostUnavailableError (retryable), not `pending`: not knowing is not the host's answer.
   * A definitive answer that comes later reaches the late-answer handler.
   */
  requestStatus(request: HostMessage): Promise<HostStatusOutcome> {
    return this.timed('status', request, (reply) => {
      if (!reply) {
        throw new HostUnavailableError(`no answer to the status request of ${request.transactionId} within ${this.timeoutMs} ms`, true);
      }
      return this.read('status', reply.body, request);
    });
  }

  /** One call, its answer read by `answer` (null: none within `timeoutMs`), reported to `onCall`. */
  private async timed<T extends { kind: string }>(
    operation: HostOperation,
    message: HostMessage,
    answer: (reply: Reply | null) => T,
  ): Promise<T> {
    const started = performance.now();
    let outcome = 'error';
    let reply: Reply | null | undefined;
    try {
      reply = await this.call(message);
      const result = answer(reply);
      outcome = reply ? result.kind : 'timeout';
      return result;
    } catch (err) {
      if (reply === null) outcome = 'timeout';
      throw err;
    } finally {
      this.onCall?.({ operation, outcome, seconds: (performance.now() - started) / 1000 });
    }
  }

  async ping(): Promise<void> {
    try {
      await this.session.ping();
    } catch (err) {
      throw new HostUnavailableError((err as Error).message, true);
    }
  }

  /** Publishes the request and waits for its reply; null when none came within `timeoutMs`. */
  private call(message: HostMessage): Promise<Reply | null> {
    if (!this.tracer) return this.exchange(message, null);
    return this.tracer(
      `host ${kindOfMessage(message.messageType)}`,
      { 'clearway.transaction_id': message.transactionId, 'clearway.message_type': message.messageType, 'clearway.host': this.name },
      (traceHeaders) => this.exchange(message, traceHeaders),
    );
  }

  private async exchange(message: HostMessage, traceHeaders: Readonly<Record<string, string>> | null): Promise<Reply | null> {
    await this.start();
    const correlationId = randomUUID();
    let settle: (reply: Reply | null) => void = () => undefined;
    const answered = new Promise<Reply | null>((resolve) => (settle = resolve));
    this.waiting.set(correlationId, (reply) => settle(reply));
    const headers: Record<string, string> = {
      ...traceHeaders,
      [AmqpHeader.MESSAGE_TYPE]: message.messageType,
      [AmqpHeader.TRANSACTION_ID]: message.transactionId,
      [AmqpHeader.IDEMPOTENCY_KEY]: message.idempotencyKey,
    };
    if (message.uetr) headers[AmqpHeader.UETR] = message.uetr;
    try {
      await this.session.publish(
        this.requestQueue,
        Buffer.from(message.message, 'utf8'),
        {
          contentType: 'application/xml',
          contentEncoding: 'utf-8',
          correlationId,
          replyTo: this.replyQueue,
          messageId: message.idempotencyKey,
          type: message.messageType,
          appId: 'clearway',
          timestamp: Math.floor(Date.now() / 1000),
          headers,
        },
        this.publishTimeoutMs,
      );
    } catch (err) {
      this.waiting.delete(correlationId);
      throw new HostUnavailableError(
        `cannot send ${message.messageType} of ${message.transactionId} to the host: ${(err as Error).message}`,
        true,
      );
    }
    const timer = setTimeout(() => {
      this.waiting.delete(correlationId);
      settle(null);
    }, this.timeoutMs);
    const reply = await answered;
    clearTimeout(timer);
    if (reply === null) {
      this.log.debug(`no answer for ${message.transactionId} within ${this.timeoutMs} ms: pending`);
      return null;
    }
    if (reply.errorCode) {
      throw new HostUnavailableError(
        `the host could not take ${message.messageType} of ${message.transactionId}: ${reply.errorCode}${reply.errorText ? ` (${reply.errorText})` : ''}`,
        reply.retryable,
      );
    }
    return reply;
  }

  /** The host's answer read by the shared rules; an unusable one is a retryable HostUnavailableError (as over HTTP). */
  private read<K extends HostAnswerKind>(kind: K, body: string, message: Pick<HostMessage, 'transactionId' | 'uetr'>): HostAnswerKinds[K] {
    try {
      return readHostAnswer(this.codec, kind, body, message);
    } catch (err) {
      const detail = err instanceof HostProtocolError ? err.message : `unreadable (${codeOf(err)})`;
      throw new HostUnavailableError(`the host's answer for ${message.transactionId} is unusable: ${detail}`, true);
    }
  }

  private async onReply(d: AmqpDelivery): Promise<void> {
    const reply: Reply = {
      body: d.content.toString('utf8'),
      errorCode: header(d, AmqpHeader.ERROR_CODE),
      errorText: header(d, AmqpHeader.ERROR_TEXT),
      retryable: header(d, AmqpHeader.ERROR_RETRYABLE) !== 'false',
    };
    const correlationId = d.properties.correlationId as string | undefined;
    const waiter = correlationId ? this.waiting.get(correlationId) : undefined;
    if (waiter && correlationId) {
      this.waiting.delete(correlationId);
      waiter(reply);
      d.ack();
      return;
    }
    const transactionId = header(d, AmqpHeader.TRANSACTION_ID);
    const requestType = header(d, AmqpHeader.IN_REPLY_TO_TYPE) ?? 'pacs.008.001.08';
    const kind = answerKindOf(requestType);
    if (!transactionId || reply.errorCode || (kind !== 'payment' && kind !== 'status') || !this.lateHandler) {
      // Nothing to apply (an error reply, an answer to a cancellation or return, no handler): the recovery
      // sweeper asks the host again, idempotently, and gets the same answer.
      this.log.debug(`late reply ${correlationId ?? '(no correlation id)'} for ${transactionId ?? '?'} (${requestType}) dropped`);
      d.ack();
      return;
    }
    let sentUetr: string | null;
    if (this.uetrOf) {
      const known = await this.uetrOf(transactionId);
      if (known === undefined) {
        this.log.warn(`late reply for unknown transaction ${transactionId} dropped`);
        d.ack();
        return;
      }
      sentUetr = known;
    } else {
      sentUetr = header(d, AmqpHeader.UETR);
    }
    let outcome: HostStatusOutcome;
    try {
      outcome = this.read(kind, reply.body, { transactionId, uetr: sentUetr });
    } catch (err) {
      this.log.warn(`late reply for ${transactionId} is unusable, dead-lettered: ${(err as Error).message}`);
      d.nack(false);
      return;
    }
    if (outcome.kind === 'unknown' || (kind === 'status' && outcome.kind === 'pending')) {
      // A late status answer that decides nothing: the next inquiry asks again.
      this.log.debug(`late status answer for ${transactionId} (${outcome.kind}) dropped`);
      d.ack();
      return;
    }
    await this.lateHandler({ transactionId, requestType, outcome });
    d.ack();
  }
}

function header(d: AmqpDelivery, name: string): string | null {
  const v: unknown = d.properties.headers?.[name];
  if (typeof v === 'string' && v !== '') return v;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  return null;
}

function codeOf(err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' ? code : ((err as Error)?.message ?? 'unreadable');
}

/** What a request is, for span names: the same words as over HTTP (`host payment`, `host status request`, ...). */
function kindOfMessage(messageType: string): string {
  if (messageType.startsWith('pacs.008.')) return 'payment';
  if (messageType.startsWith('camt.056.')) return 'cancellation request';
  if (messageType.startsWith('pacs.004.')) return 'return';
  if (messageType.startsWith('pacs.028.')) return 'status request';
  return messageType;
}
