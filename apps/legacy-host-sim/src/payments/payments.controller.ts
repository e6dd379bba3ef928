// SPDX-License-Identifier: Apache-2.0
import { Body, Controller, Get, Headers, Inject, Param, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { HostMessageService, type HostAnswer, type HostMessageFamily } from '../host/host-message.service.js';
import { sendProblem } from '../problem.js';
import { PaymentLedger } from './payment-ledger.js';

/** Sends a host answer as the HTTP reply; a lost one closes the connection without an answer. */
export function sendAnswer(reply: FastifyReply, answer: HostAnswer): FastifyReply {
  if (answer.lost) {
    reply.hijack();
    reply.raw.destroy();
    return reply;
  }
  return reply.status(answer.status).header('content-type', answer.contentType).send(answer.body);
}

/** The HTTP side of one message family: the raw XML body and the headers to the transport-independent service. */
export async function submitOver(
  service: HostMessageService,
  family: HostMessageFamily,
  body: unknown,
  headers: { key: string | undefined; messageType: string | undefined; traceparent?: string | undefined },
  reply: FastifyReply,
): Promise<FastifyReply> {
  if (typeof body !== 'string' && !(body instanceof Uint8Array)) {
    return sendProblem(reply, 415, 'SIM.UNSUPPORTED_MEDIA_TYPE', `Send the ${family} as application/xml`);
  }
  const answer = await service.handle(
    { messageType: headers.messageType ?? null, idempotencyKey: headers.key ?? null, body, traceparent: headers.traceparent ?? null },
    family,
  );
  return sendAnswer(reply, answer);
}

@Controller('v1/payments')
export class PaymentsController {
  constructor(
    @Inject(HostMessageService) private readonly service: HostMessageService,
    @Inject(PaymentLedger) private readonly ledger: PaymentLedger,
  ) {}

  /**
   * Takes one pacs.008 and answers a pacs.002; a known idempotency key gets its first answer again. The
   * `traceparent` of the first delivery is recorded with the payment.
   */
  @Post()
  submit(
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Headers('x-message-type') messageType: string | undefined,
    @Headers('traceparent') traceparent: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    return submitOver(this.service, 'pacs.008', body, { key, messageType, traceparent }, reply);
  }

  /**
   * What the host recorded for a key, else for a UETR (tests compare it with the gateway's view), with the
   * W3C `traceparent` the payment came with (null when none).
   */
  @Get(':key')
  get(@Param('key') key: string, @Res() reply: FastifyReply): FastifyReply {
    const rec = this.ledger.get(key) ?? this.ledger.findPayment({ uetr: key, msgId: null, endToEndId: null });
    if (!rec) return sendProblem(reply, 404, 'SIM.UNKNOWN_PAYMENT', 'No payment recorded under this key');
    return reply.status(200).send({
      key: rec.key,
      uetr: rec.uetr,
      status: rec.status,
      reasonCode: rec.reasonCode,
      reasonText: rec.reasonText,
      deliveries: rec.deliveries,
      decidedAt: rec.decidedAt,
      traceparent: rec.traceparent ?? null,
    });
  }
}

@Controller('v1/cancellations')
export class CancellationsController {
  constructor(
    @Inject(HostMessageService) private readonly service: HostMessageService,
    @Inject(PaymentLedger) private readonly ledger: PaymentLedger,
  ) {}

  /** Takes one camt.056 and answers a camt.029: CNCL, or RJCR with a reason (see README). */
  @Post()
  submit(
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Headers('x-message-type') messageType: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    return submitOver(this.service, 'camt.056', body, { key, messageType }, reply);
  }

  @Get(':key')
  get(@Param('key') key: string, @Res() reply: FastifyReply): FastifyReply {
    const rec = this.ledger.getCancellation(key);
    if (!rec) return sendProblem(reply, 404, 'SIM.UNKNOWN_CANCELLATION', 'No cancellation request recorded under this key');
    const { resolution: _r, ...rest } = rec;
    return reply.status(200).send(rest);
  }
}

@Controller('v1/returns')
export class ReturnsController {
  constructor(
    @Inject(HostMessageService) private readonly service: HostMessageService,
    @Inject(PaymentLedger) private readonly ledger: PaymentLedger,
  ) {}

  /** Takes one pacs.004 and answers a pacs.002 ACSC. */
  @Post()
  submit(
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Headers('x-message-type') messageType: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    return submitOver(this.service, 'pacs.004', body, { key, messageType }, reply);
  }

  @Get(':key')
  get(@Param('key') key: string, @Res() reply: FastifyReply): FastifyReply {
    const rec = this.ledger.getReturn(key);
    if (!rec) return sendProblem(reply, 404, 'SIM.UNKNOWN_RETURN', 'No return recorded under this key');
    const { statusReport: _s, ...rest } = rec;
    return reply.status(200).send(rest);
  }
}

@Controller('v1/status-requests')
export class StatusRequestsController {
  constructor(@Inject(HostMessageService) private readonly service: HostMessageService) {}

  /**
   * Takes one pacs.028 and answers from the host's records: the pacs.002 of the payment asked about (200), or a
   * pacs.002 RJCT NOOR when the host never took it (404).
   */
  @Post()
  submit(
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Headers('x-message-type') messageType: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    return submitOver(this.service, 'pacs.028', body, { key, messageType }, reply);
  }
}
