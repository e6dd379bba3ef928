// SPDX-License-Identifier: Apache-2.0
import { Logger } from '@nestjs/common';
import { AmqpHeader, AmqpSession, declareQueues, type AmqpDelivery } from '#adapters/amqp';
import { HostMessageService } from '../host/host-message.service.js';

export interface SimAmqpOptions {
  url: string;
  /** The queue the gateway sends requests to (AMQP_REQUEST_QUEUE). */
  requestQueue: string;
  /** Dead-letter exchange the queue is declared with (AMQP_DLX); must match the gateway's. */
  deadLetterExchange: string;
  /** Requests in flight at once (answers are asynchronous: latency and held answers overlap). Default 64. */
  prefetch?: number;
  debug?: boolean;
}

const REPLY_TIMEOUT_MS = 10_000;

/**
 * The simulator over AMQP: consumes the request queue and answers each message on its `reply-to` queue with
 * the request's correlation id, by the same rules, latency and faults as over HTTP. The request is acked only
 * after the broker confirmed the answer, so a lost connection means a redelivery, which the ledger answers as
 * a replay (the first answer's bytes): the host decides each idempotency key once.
 *
 * Faults: latency delays the answer; `errorRate` and `down` answer an error reply (`x-error-code`, no body,
 * nothing recorded), the HTTP 503's counterpart; `timeoutRate` records and decides, then holds the answer for
 * `timeoutMs` (the gateway stops waiting and takes the answer as a late one); `dropAnswers` / `dropAnswerRate`
 * record and decide a payment, then ack its request without any reply (the answer is lost). A pacs.028 status
 * request is answered from the records like any other message (`x-in-reply-to-type: pacs.028.001.03`).
 */
export class SimAmqpTransport {
  private readonly log = new Logger('SimAmqp');

  private constructor(
    private readonly session: AmqpSession,
    private readonly service: HostMessageService,
    private readonly debug: boolean,
  ) {}

  static async start(options: SimAmqpOptions, deps: { service: HostMessageService }): Promise<SimAmqpTransport> {
    const session = await AmqpSession.open({
      url: options.url,
      name: `legacy-host-sim-${process.pid}`,
      declare: (channel) => declareQueues(channel, options.deadLetterExchange, [options.requestQueue]),
      logger: new Logger('SimAmqp'),
    });
    const transport = new SimAmqpTransport(session, deps.service, options.debug ?? false);
    await session.consume(options.requestQueue, options.prefetch ?? 64, (d) => transport.handle(d));
    return transport;
  }

  async close(): Promise<void> {
    await this.session.close();
  }

  private async handle(d: AmqpDelivery): Promise<void> {
    const replyTo = d.properties.replyTo as string | undefined;
    const headers = d.properties.headers ?? {};
    const text = (name: string): string | undefined => {
      const v: unknown = headers[name];
      return typeof v === 'string' ? v : Buffer.isBuffer(v) ? v.toString('utf8') : undefined;
    };
    const declaredType = text(AmqpHeader.MESSAGE_TYPE) ?? (d.properties.type as string | undefined) ?? null;
    const replyHeaders: Record<string, string> = { [AmqpHeader.IN_REPLY_TO_TYPE]: declaredType ?? 'unknown' };
    for (const name of [AmqpHeader.TRANSACTION_ID, AmqpHeader.UETR, AmqpHeader.IDEMPOTENCY_KEY]) {
      const v = text(name);
      if (v !== undefined) replyHeaders[name] = v;
    }
    if (!replyTo) {
      // Nobody to answer: dead-letter it (the request queue's DLX) rather than decide a payment silently.
      this.log.warn('request without reply-to dead-lettered');
      d.nack(false);
      return;
    }
    // The same decisions, faults and held answers as over HTTP (pacs.008, camt.056, pacs.004, pacs.028).
    const answer = await this.service.handle(
      {
        messageType: declaredType,
        idempotencyKey: text(AmqpHeader.IDEMPOTENCY_KEY) ?? null,
        body: d.content,
        traceparent: text(AmqpHeader.TRACEPARENT) ?? null,
      },
      null,
    );
    if (answer.lost) {
      // Decided and recorded, but the answer never leaves: the request is done, nobody hears back.
      if (this.debug) this.log.debug(`answer to ${replyHeaders[AmqpHeader.TRANSACTION_ID] ?? '?'} lost (dropAnswer fault)`);
      d.ack();
      return;
    }
    if (answer.messageType) {
      await this.reply(d, replyTo, answer.body, { ...replyHeaders, [AmqpHeader.MESSAGE_TYPE]: answer.messageType });
      return;
    }
    // A problem: 503 (down, injected error) is worth retrying; 4xx is not. Answered as an error reply.
    let code = answer.status >= 500 ? 'SIM.UNAVAILABLE' : 'SIM.REFUSED';
    let detail = '';
    try {
      const problem = JSON.parse(answer.body) as { code?: string; title?: string; detail?: string };
      code = problem.code ?? code;
      detail = [problem.title, problem.detail].filter(Boolean).join(': ');
    } catch {
      /* not JSON */
    }
    if (this.debug) this.log.debug(`error reply ${code}`);
    await this.reply(d, replyTo, '', {
      ...replyHeaders,
      [AmqpHeader.ERROR_CODE]: code,
      ...(detail ? { [AmqpHeader.ERROR_TEXT]: detail.slice(0, 200) } : {}),
      ...(answer.status >= 500 ? {} : { [AmqpHeader.ERROR_RETRYABLE]: 'false' }),
    });
  }

  /** Publishes the answer (confirmed), then acks the request; when the answer cannot be sent, the request goes back. */
  private async reply(d: AmqpDelivery, replyTo: string, body: string, headers: Record<string, string>): Promise<void> {
    try {
      await this.session.publish(
        replyTo,
        Buffer.from(body, 'utf8'),
        {
          contentType: body ? 'application/xml' : undefined,
          contentEncoding: body ? 'utf-8' : undefined,
          correlationId: d.properties.correlationId as string | undefined,
          type: headers[AmqpHeader.MESSAGE_TYPE],
          appId: 'legacy-host-sim',
          timestamp: Math.floor(Date.now() / 1000),
          headers,
        },
        REPLY_TIMEOUT_MS,
      );
    } catch (err) {
      this.log.warn(`answer not sent, request goes back to the queue: ${(err as Error).message}`);
      d.nack(true);
      return;
    }
    d.ack();
  }
}
