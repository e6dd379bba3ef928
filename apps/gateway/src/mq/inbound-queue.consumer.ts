// SPDX-License-Identifier: Apache-2.0
import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { deadLetterQueueOf, STATUS_HEADER, AmqpHeader, type AmqpDelivery, type AmqpSession } from '#adapters/amqp';
import { AdmissionRefusedError, ISO20022_CODEC, STATUS_REPORT_TYPE, SubmitPaymentCommand, type SubmitPaymentResult } from '#application';
import { logRefusedDuplicate } from '../logging/intake-log.js';
import { runWithLogContext } from '../logging/log-context.js';
import { failed, Tracing } from '../tracing/tracing.js';
import { Iso20022Error, type Iso20022Codec, type Pacs002Input, type PartialIdentification } from '#iso20022';
import type { ConfigType } from '@nestjs/config';
import type { Span } from '@opentelemetry/api';
import type { MqClient } from '../config/configuration.js';
import { amqpConfig } from '../config/namespaces.js';
import { AMQP_SESSION, MQ_CLIENT } from '../gateway.tokens.js';

/** Headers a dead-lettered inbound message carries, saying why it was refused. */
export const RefusalHeader = {
  CODE: 'x-clearway-error-code',
  DETAIL: 'x-clearway-error-detail',
  TRANSACTION_ID: 'x-clearway-transaction-id',
} as const;

/** What a message-id or correlation-id may be to name a delivery in the logs (as a sane X-Request-Id). */
const SANE_ID = /^[A-Za-z0-9._~:@/+=-]{1,128}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const PUBLISH_TIMEOUT_MS = 5000;

/**
 * The MQ front door: takes ISO 20022 messages from INBOUND_QUEUE through exactly the ingress path of
 * POST /v1/inbox (SubmitPaymentCommand: parsing, XSD validation, duplicates, archive, storage) for the API client
 * MQ_CLIENT_ID, and acks a message only after its payment is stored. The transaction id is the message's
 * `message-id` when that is a UUID, else one derived from the body, so a redelivered message is an idempotent
 * replay, not a duplicate. A refused message goes to `<INBOUND_QUEUE>.dlq` with the reason in headers, and a
 * pacs.002 RJCT goes to OUTBOUND_QUEUE (for schema-invalid messages with readable ids, through the stored RJCT
 * record's publish job; for the others, built here when the message's ids can be read).
 *
 * Each delivery is handled in a log context of its own (`deliveryId`, `channel: mq`: what `requestId` is to
 * the HTTP inbox) and, tracing on, in a CONSUMER span `mq receive <queue>`, child of the message's W3C
 * `traceparent` header when it has a valid one, so the payment's jobs (and its host call) continue the sender's trace.
 */
@Injectable()
export class InboundQueueConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('MqIngress');
  private stopping = false;

  constructor(
    @Inject(AMQP_SESSION) private readonly session: AmqpSession,
    @Inject(amqpConfig.KEY) private readonly amqp: ConfigType<typeof amqpConfig>,
    /** The owner of the payments from the inbound queue (MQ_CLIENT_ID, resolved at start). */
    @Inject(MQ_CLIENT) private readonly client: MqClient,
    @Inject(ISO20022_CODEC) private readonly codec: Iso20022Codec,
    private readonly commands: CommandBus,
    @Inject(Tracing) private readonly tracing: Tracing,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.session.consume(this.amqp.topology.inboundQueue, this.amqp.prefetch, (d) => this.handle(d));
    this.log.log(`consuming ${this.amqp.topology.inboundQueue} for client ${this.client.id}`);
  }

  onApplicationShutdown(): void {
    this.stopping = true;
  }

  /** The transaction id of an inbound message: its message-id when a UUID, else derived from client and body. */
  static transactionIdOf(clientId: string, messageId: unknown, body: Buffer): string {
    if (typeof messageId === 'string' && UUID.test(messageId)) return messageId.toLowerCase();
    const h = createHash('sha256').update(clientId).update('\n').update(body).digest('hex');
    // Shaped as a UUID (version 8: custom), so it is a valid X-Transaction-Id as well.
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }

  /** The id of a delivery in the logs: its message-id, else its correlation-id, when sane; else a new UUID. */
  static deliveryIdOf(messageId: unknown, correlationId: unknown): string {
    if (typeof messageId === 'string' && SANE_ID.test(messageId)) return messageId;
    if (typeof correlationId === 'string' && SANE_ID.test(correlationId)) return correlationId;
    return randomUUID();
  }

  /** One delivery, in its log context and (tracing on) its consumer span. */
  handle(d: AmqpDelivery): Promise<void> {
    const deliveryId = InboundQueueConsumer.deliveryIdOf(d.properties.messageId, d.properties.correlationId);
    const queue = this.amqp.topology.inboundQueue;
    return runWithLogContext({ deliveryId, channel: 'mq' }, () =>
      this.tracing.delivery(
        queue,
        { traceparent: textHeader(d, 'traceparent'), tracestate: textHeader(d, 'tracestate') },
        { 'clearway.delivery_id': deliveryId },
        (span) => this.take(d, span),
      ),
    );
  }

  private async take(d: AmqpDelivery, span: Span | null): Promise<void> {
    const clientId = this.client.id;
    const transactionId = InboundQueueConsumer.transactionIdOf(clientId, d.properties.messageId, d.content);
    span?.setAttribute('clearway.transaction_id', transactionId);
    // The bytes as they came: the codec decodes them (strict UTF-8) and refuses what is not UTF-8.
    const body = d.content;
    let result: SubmitPaymentResult;
    try {
      result = await this.submitWhenAdmitted(new SubmitPaymentCommand(clientId, body, 'mq', transactionId, this.client.scopes));
    } catch (e) {
      // The store is not available: leave the message on the queue (redelivered; the delivery limit ends poison).
      this.log.warn(`inbound message not stored, redelivering: ${(e as Error).message}`);
      if (span) failed(span, e);
      await new Promise((r) => setTimeout(r, 250));
      d.nack(true);
      return;
    }
    span?.setAttribute('clearway.mq.outcome', result.kind);
    if (result.kind === 'accepted') {
      d.ack();
      return;
    }
    logRefusedDuplicate(result, clientId, 'mq');
    await this.refuse(d, body, result);
  }

  /**
   * Submits, and while admission control refuses (overloaded, or the MQ client over its quota) holds the
   * delivery and tries again after Retry-After. Held deliveries count against the channel's prefetch, so the
   * broker stops handing out more: consumption pauses by itself and resumes when the gateway takes payments again.
   * Nothing is refused or dead-lettered for load.
   */
  private async submitWhenAdmitted(cmd: SubmitPaymentCommand): Promise<SubmitPaymentResult> {
    for (let waited = 0; ; waited++) {
      try {
        return await this.commands.execute(cmd);
      } catch (e) {
        // Stopping: the message goes back to the queue (handle() nacks it) for another instance or the next start.
        if (!(e instanceof AdmissionRefusedError) || this.stopping) throw e;
        if (waited === 0) this.log.warn(`inbound message held: ${e.code}, trying again in ${e.retryAfterSeconds}s`);
        const until = Date.now() + e.retryAfterSeconds * 1000;
        while (!this.stopping && Date.now() < until) await new Promise((r) => setTimeout(r, Math.min(500, until - Date.now())));
      }
    }
  }

  private async refuse(d: AmqpDelivery, body: Uint8Array, result: Exclude<SubmitPaymentResult, { kind: 'accepted' }>): Promise<void> {
    let code: string;
    let detail: string;
    let reason: { code: string; text: string };
    let recordId: string | null = null;
    let ids: PartialIdentification | null = null;
    switch (result.kind) {
      case 'duplicate':
        code = 'PAYMENT.DUPLICATE';
        detail = `a payment with the same ${result.by === 'uetr' ? 'UETR' : 'MsgId and EndToEndId'} was already received${result.existingId ? ` as transaction ${result.existingId}` : ''}`;
        reason = { code: 'DUPL', text: 'duplicate payment' };
        break;
      case 'idempotency-conflict':
        code = 'IDEMPOTENCY.KEY_REUSED';
        detail = 'this message-id was already used with a different message body';
        reason = { code: 'DUPL', text: 'message-id reused with a different message' };
        break;
      case 'forbidden':
        code = 'AUTH.INSUFFICIENT_SCOPE';
        detail = `${result.detail} (MQ_CLIENT_ID has not got it)`;
        reason = { code: 'NARR', text: truncate(`not allowed: ${result.detail}`, 105) };
        break;
      case 'unprocessable':
        code = result.code;
        detail = result.detail;
        reason = { code: 'FF01', text: truncate(result.detail, 105) };
        break;
      case 'invalid':
        code = result.error.code;
        detail = result.error.issues[0]?.message ?? result.error.message;
        reason = { code: 'FF01', text: truncate(detail, 105) };
        recordId = result.rejectedTransactionId;
        ids = result.error.partial;
        break;
    }
    try {
      // A stored RJCT record publishes its own pacs.002 (its publish job); otherwise build one here when possible.
      if (!recordId) {
        // Refused messages have no transaction: the report names none (the message-id may be another transaction's).
        const refusalId = InboundQueueConsumer.transactionIdOf(this.client.id, null, d.content);
        let report: string | null = null;
        try {
          report = this.rejectionReport(body, ids, reason);
        } catch (e) {
          this.log.warn(`no pacs.002 for a refused inbound message: ${(e as Error).message}`);
        }
        if (report) {
          await this.session.publish(
            this.amqp.topology.outboundQueue,
            Buffer.from(report, 'utf8'),
            {
              contentType: 'application/xml',
              contentEncoding: 'utf-8',
              messageId: `${refusalId}:RJCT`,
              type: STATUS_REPORT_TYPE,
              appId: 'clearway',
              headers: {
                [AmqpHeader.MESSAGE_TYPE]: STATUS_REPORT_TYPE,
                [STATUS_HEADER]: 'RJCT',
                [RefusalHeader.CODE]: code,
              },
            },
            PUBLISH_TIMEOUT_MS,
          );
        }
      }
      const headers: Record<string, unknown> = {
        ...(d.properties.headers ?? {}),
        [RefusalHeader.CODE]: code,
        [RefusalHeader.DETAIL]: truncate(detail, 1000),
      };
      if (recordId) headers[RefusalHeader.TRANSACTION_ID] = recordId;
      await this.session.publish(
        deadLetterQueueOf(this.amqp.topology.inboundQueue),
        d.content,
        {
          contentType: d.properties.contentType as string | undefined,
          messageId: d.properties.messageId as string | undefined,
          correlationId: d.properties.correlationId as string | undefined,
          headers,
        },
        PUBLISH_TIMEOUT_MS,
      );
    } catch (e) {
      this.log.warn(`could not dead-letter a refused inbound message, redelivering: ${(e as Error).message}`);
      d.nack(true);
      return;
    }
    this.log.warn(`inbound message refused (${code}) and dead-lettered${recordId ? `; RJCT record ${recordId}` : ''}`);
    d.ack();
  }

  /** A pacs.002 RJCT answering the message, or null when its MsgId cannot be read. */
  private rejectionReport(body: Uint8Array, partial: PartialIdentification | null, reason: { code: string; text: string }): string | null {
    let original: Pacs002Input['original'];
    let agents: Pick<Pacs002Input, 'instructingAgent' | 'instructedAgent'> = { instructingAgent: null, instructedAgent: null };
    try {
      const parsed = this.codec.parse(body);
      const msg = this.codec.readPacs008(parsed);
      const tx = msg.transactions[0];
      const gh = msg.groupHeader;
      original = {
        msgId: gh.msgId,
        msgNmId: parsed.messageType,
        creationDateTime: gh.creationDateTime,
        instrId: tx?.instrId ?? null,
        endToEndId: tx?.endToEndId ?? null,
        txId: tx?.txId ?? null,
        uetr: tx?.uetr ?? null,
        amount: tx?.interbankSettlementAmount ?? null,
        settlementDate: tx?.interbankSettlementDate ?? gh.interbankSettlementDate,
      };
      agents = {
        instructingAgent: gh.instructedAgent ?? tx?.instructedAgent ?? null,
        instructedAgent: gh.instructingAgent ?? tx?.instructingAgent ?? null,
      };
    } catch (e) {
      const p = partial ?? (e instanceof Iso20022Error ? e.partial : null);
      if (!p?.msgId) return null;
      original = {
        msgId: p.msgId,
        msgNmId: p.messageType ?? 'pacs.008.001.08',
        creationDateTime: p.creationDateTime ?? null,
        instrId: p.instrId ?? null,
        endToEndId: p.endToEndId ?? null,
        txId: p.txId ?? null,
        uetr: p.uetr ?? null,
        amount: null,
        settlementDate: null,
      };
    }
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    try {
      return this.codec.writePacs002({
        msgId: `CW${createHash('sha256').update(`${original.msgId}|${original.endToEndId}|RJCT|mq`).digest('hex').slice(0, 30)}`,
        creationDateTime: now,
        ...agents,
        original,
        status: 'RJCT',
        reason,
        acceptanceDateTime: null,
      });
    } catch {
      return null;
    }
  }
}

/** A header's text (amqplib gives long strings as strings, some clients send bytes); undefined when none. */
function textHeader(d: AmqpDelivery, name: string): string | undefined {
  const v: unknown = d.properties.headers?.[name];
  if (typeof v === 'string' && v !== '') return v;
  if (Buffer.isBuffer(v) && v.length > 0) return v.toString('utf8');
  return undefined;
}

function truncate(text: string, max: number): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length <= max ? oneLine : `${oneLine.slice(0, max - 1)}…`;
}
