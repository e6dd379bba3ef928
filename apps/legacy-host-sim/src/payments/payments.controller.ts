import { Body, Controller, Get, Headers, Inject, Logger, Param, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Iso20022Error, type Iso20022Codec, type Pacs008 } from '#iso20022';
import { FaultInjector } from '../faults/fault-injector.js';
import type { ResolvedSimulatorConfig } from '../sim.config.js';
import { SIM_CODEC, SIM_CONFIG } from '../sim.tokens.js';
import { sendProblem } from '../problem.js';
import { decide, formatRejectionFor, idempotencyKey, statusReportFor } from './payment-decider.js';
import { PaymentLedger, type PaymentRecord } from './payment-ledger.js';

const XML = 'application/xml; charset=utf-8';
const MAX_KEY_LENGTH = 255;

@Controller('v1/payments')
export class PaymentsController {
  private readonly logger = new Logger('Payments');
  private readonly debug: boolean;

  constructor(
    @Inject(SIM_CODEC) private readonly codec: Iso20022Codec,
    @Inject(PaymentLedger) private readonly ledger: PaymentLedger,
    @Inject(FaultInjector) private readonly faults: FaultInjector,
    @Inject(SIM_CONFIG) config: ResolvedSimulatorConfig,
  ) {
    this.debug = config.debug;
  }

  /** Takes one pacs.008 and answers a pacs.002; a known idempotency key gets its first answer again. */
  @Post()
  async submit(
    @Body() body: unknown,
    @Headers('idempotency-key') keyHeader: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    await this.faults.latency();
    if (this.faults.rollError()) {
      this.log('injected error -> 503');
      return sendProblem(reply, 503, 'SIM.INJECTED_ERROR', 'Service unavailable (injected fault)');
    }
    if (typeof body !== 'string' && !(body instanceof Uint8Array)) {
      return sendProblem(reply, 415, 'SIM.UNSUPPORTED_MEDIA_TYPE', 'Send the pacs.008 as application/xml');
    }
    if (keyHeader !== undefined && (keyHeader.trim() === '' || keyHeader.length > MAX_KEY_LENGTH)) {
      return sendProblem(reply, 400, 'SIM.BAD_IDEMPOTENCY_KEY', 'Bad Idempotency-Key', `1..${MAX_KEY_LENGTH} characters`);
    }

    let msg: Pacs008;
    try {
      const parsed = this.codec.parse(body);
      if (!parsed.messageType.startsWith('pacs.008.')) {
        return sendProblem(reply, 400, 'ISO20022.UNSUPPORTED_MESSAGE', 'Not a pacs.008', `got ${parsed.messageType}`);
      }
      msg = this.codec.readPacs008(parsed);
    } catch (err) {
      return this.answerInvalid(reply, err);
    }
    const tx = msg.transactions[0];
    if (!tx) return sendProblem(reply, 400, 'SIM.NO_TRANSACTION', 'The pacs.008 holds no transaction');

    // Look up and record without any await in between: two concurrent deliveries of a key cannot both decide.
    const key = idempotencyKey(keyHeader, msg);
    let record: PaymentRecord;
    let replay = false;
    const known = this.ledger.get(key);
    if (known) {
      record = this.ledger.replay(key);
      replay = true;
    } else {
      const decision = decide(tx, this.faults.current.rejectSuffix);
      const now = new Date();
      record = this.ledger.record({
        key,
        uetr: tx.uetr,
        msgId: msg.groupHeader.msgId,
        endToEndId: tx.endToEndId,
        status: decision.status,
        reasonCode: decision.reason?.code ?? null,
        reasonText: decision.reason?.text ?? null,
        statusReport: statusReportFor(this.codec, msg, tx, decision, now),
        decidedAt: now.toISOString(),
      });
    }

    if (this.faults.rollTimeout()) {
      this.log(`key=${key} ${record.status} (${replay ? 'replay' : 'new'}), answer held back`);
      await this.faults.holdAnswer();
    } else {
      this.log(`key=${key} ${record.status} (${replay ? 'replay' : 'new'})`);
    }
    return reply.status(200).header('content-type', XML).send(record.statusReport);
  }

  /** What the host recorded for a key (tests compare it with the gateway's view). */
  @Get(':key')
  get(@Param('key') key: string, @Res() reply: FastifyReply): FastifyReply {
    const rec = this.ledger.get(key);
    if (!rec) return sendProblem(reply, 404, 'SIM.UNKNOWN_PAYMENT', 'No payment recorded under this key');
    return reply.status(200).send({
      key: rec.key,
      uetr: rec.uetr,
      status: rec.status,
      reasonCode: rec.reasonCode,
      reasonText: rec.reasonText,
      deliveries: rec.deliveries,
      decidedAt: rec.decidedAt,
    });
  }

  private answerInvalid(reply: FastifyReply, err: unknown): FastifyReply {
    if (!(err instanceof Iso20022Error)) {
      this.logger.error(`unexpected failure reading a payment: ${(err as Error)?.message ?? String(err)}`);
      return sendProblem(reply, 500, 'SIM.INTERNAL', 'Internal error');
    }
    const detail = err.issues[0]?.message ?? err.message;
    const report = formatRejectionFor(this.codec, err.partial, detail, new Date());
    this.log(`invalid message (${err.code}) -> 400${report ? ' FF01' : ''}`);
    if (report) return reply.status(400).header('content-type', XML).send(report);
    return sendProblem(reply, 400, err.code, 'Invalid ISO 20022 message', err.message);
  }

  private log(line: string): void {
    if (this.debug) this.logger.debug(line);
  }
}
