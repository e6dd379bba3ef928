import { Logger } from '@nestjs/common';
import { AmqpHeader, AmqpSession, declareQueues, type AmqpDelivery } from '#adapters/amqp';
import type { Iso20022Codec } from '#iso20022';
import type { FaultInjector } from '../faults/fault-injector.js';
import type { PaymentLedger } from '../payments/payment-ledger.js';
import { answerPacs008 } from './pacs008.seam.js';

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
 * The simulator over AMQP: consumes the request queue and answers each pacs.008 on its `reply-to` queue with
 * the request's correlation id, by the same rules, latency and faults as over HTTP. The request is acked only
 * after the broker confirmed the answer, so a lost connection means a redelivery, which the ledger answers as
 * a replay (the first answer's bytes): the host decides each idempotency key once.
 *
 * Faults: latency delays the answer; `errorRate` and `down` answer an error reply (`x-error-code`, no body,
 * nothing recorded), the HTTP 503's counterpart; `timeoutRate` records and decides, then holds the answer for
 * `timeoutMs` (the gateway stops waiting and takes the answer as a late one).
 */
export class SimAmqpTransport {
  private readonly log = new Logger('SimAmqp');

  private constructor(
    private readonly session: AmqpSession,
    private readonly deps: { codec: Iso20022Codec; ledger: PaymentLedger; faults: FaultInjector },
    private readonly debug: boolean,
  ) {}

  static async start(
    options: SimAmqpOptions,
    deps: { codec: Iso20022Codec; ledger: PaymentLedger; faults: FaultInjector },
  ): Promise<SimAmqpTransport> {
    const session = await AmqpSession.open({
      url: options.url,
      name: `legacy-host-sim-${process.pid}`,
      declare: (channel) => declareQueues(channel, options.deadLetterExchange, [options.requestQueue]),
      logger: new Logger('SimAmqp'),
    });
    const transport = new SimAmqpTransport(session, deps, options.debug ?? false);
    await session.consume(options.requestQueue, options.prefetch ?? 64, (d) => transport.handle(d));
    return transport;
  }

  async close(): Promise<void> {
    await this.session.close();
  }

  private async handle(d: AmqpDelivery): Promise<void> {
    const { faults } = this.deps;
    const replyTo = d.properties.replyTo as string | undefined;
    const headers = d.properties.headers ?? {};
    const text = (name: string): string | undefined => {
      const v: unknown = headers[name];
      return typeof v === 'string' ? v : Buffer.isBuffer(v) ? v.toString('utf8') : undefined;
    };
    const requestType = text(AmqpHeader.MESSAGE_TYPE) ?? (d.properties.type as string | undefined) ?? 'pacs.008.001.08';
    const replyHeaders: Record<string, string> = { [AmqpHeader.IN_REPLY_TO_TYPE]: requestType };
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
    await faults.latency();
    if (faults.down || faults.rollError()) {
      const code = faults.down ? 'SIM.DOWN' : 'SIM.INJECTED_ERROR';
      if (this.debug) this.log.debug(`injected ${code}`);
      await this.reply(d, replyTo, '', { ...replyHeaders, [AmqpHeader.ERROR_CODE]: code });
      return;
    }
    if (!requestType.startsWith('pacs.008.')) {
      // camt.056 / pacs.004 handling comes with the transport-independent service (issue 3).
      await this.reply(d, replyTo, '', {
        ...replyHeaders,
        [AmqpHeader.ERROR_CODE]: 'ISO20022.UNSUPPORTED_MESSAGE',
        [AmqpHeader.ERROR_TEXT]: `the simulator does not take ${requestType} over AMQP yet`,
        [AmqpHeader.ERROR_RETRYABLE]: 'false',
      });
      return;
    }
    const answer = answerPacs008(
      { codec: this.deps.codec, ledger: this.deps.ledger, rejectSuffix: faults.current.rejectSuffix },
      d.content.toString('utf8'),
      text(AmqpHeader.IDEMPOTENCY_KEY),
    );
    if (answer.kind === 'refused') {
      if (this.debug) this.log.debug(`invalid message (${answer.code})${answer.report ? ' FF01' : ''}`);
      if (answer.report) await this.reply(d, replyTo, answer.report, { ...replyHeaders, [AmqpHeader.MESSAGE_TYPE]: 'pacs.002.001.10' });
      else {
        await this.reply(d, replyTo, '', {
          ...replyHeaders,
          [AmqpHeader.ERROR_CODE]: answer.code,
          [AmqpHeader.ERROR_TEXT]: answer.detail.slice(0, 200),
          [AmqpHeader.ERROR_RETRYABLE]: 'false',
        });
      }
      return;
    }
    const { record, replay } = answer;
    if (faults.rollTimeout()) {
      if (this.debug) this.log.debug(`key=${record.key} ${record.status} (${replay ? 'replay' : 'new'}), answer held back`);
      await faults.holdAnswer();
    } else if (this.debug) {
      this.log.debug(`key=${record.key} ${record.status} (${replay ? 'replay' : 'new'})`);
    }
    await this.reply(d, replyTo, record.statusReport, { ...replyHeaders, [AmqpHeader.MESSAGE_TYPE]: 'pacs.002.001.10' });
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
