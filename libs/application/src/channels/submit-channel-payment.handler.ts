// SPDX-License-Identifier: Apache-2.0
import { Inject, Optional } from '@nestjs/common';
import { CommandBus, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Iso20022Error, type Iso20022Codec } from '#iso20022';
import { isoSeconds } from '../answers/answer-header.js';
import { CHANNEL_SETTINGS, CLOCK, ID_GENERATOR, ISO20022_CODEC, TRANSACTION_REPOSITORY } from '../application.tokens.js';
import type { Clock, IdGenerator } from '../ports/support.port.js';
import type { TransactionRepository } from '../ports/transaction-repository.port.js';
import { SubmitPaymentCommand, type SubmitPaymentResult } from '../submit-payment/submit-payment.command.js';
import { channelTransactionId, pacs008FromOrder, type ChannelSettings } from './channel-payment.js';
import { MerchantDirectory } from './merchant-directory.js';
import { orderFromQr, type QrRefusal } from './qr-payment.js';
import { SubmitChannelPaymentCommand, SubmitQrPaymentCommand } from './submit-channel-payment.command.js';

const NO_SETTINGS: ChannelSettings = { debtorAgentBic: null, merchants: MerchantDirectory.EMPTY };

/**
 * Writes the pacs.008 of a channel payment and submits it as the inbox does. With an idempotency key the
 * transaction id derives from (client, key) and a retry rewrites the very same bytes: its creation time is the
 * one of the transaction already stored under that id, so the intake answers it as a replay (same request) or
 * refuses a different request under the same key (IDEMPOTENCY.KEY_REUSED).
 */
@CommandHandler(SubmitChannelPaymentCommand)
export class SubmitChannelPaymentHandler implements ICommandHandler<SubmitChannelPaymentCommand, SubmitPaymentResult> {
  private readonly settings: ChannelSettings;

  constructor(
    private readonly commands: CommandBus,
    @Inject(ISO20022_CODEC) private readonly codec: Iso20022Codec,
    @Inject(TRANSACTION_REPOSITORY) private readonly repository: TransactionRepository,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Optional() @Inject(CHANNEL_SETTINGS) settings: ChannelSettings | null = null,
  ) {
    this.settings = settings ?? NO_SETTINGS;
  }

  async execute(cmd: SubmitChannelPaymentCommand): Promise<SubmitPaymentResult> {
    const debtorAgentBic = cmd.order.debtor.agentBic ?? this.settings.debtorAgentBic;
    if (debtorAgentBic === null) {
      return {
        kind: 'unprocessable',
        code: 'PAYMENT.DEBTOR_AGENT_REQUIRED',
        detail: "the payer's bank is not known: give the debtor's agent BIC (none is configured as CHANNEL_DEBTOR_AGENT_BIC)",
      };
    }
    const id = cmd.idempotencyKey === null ? this.ids.uuid() : channelTransactionId(cmd.clientId, cmd.idempotencyKey);
    // A retry: the stored message's creation time, so the same order gives the same bytes.
    const stored = cmd.idempotencyKey === null ? null : await this.repository.get(id);
    const creationDateTime =
      stored && stored.clientId === cmd.clientId && stored.creationDateTime ? stored.creationDateTime : isoSeconds(this.clock.now());
    let xml: string;
    try {
      xml = this.codec.writePacs008(pacs008FromOrder(cmd.order, { transactionId: id, creationDateTime, debtorAgentBic }));
    } catch (e) {
      if (!(e instanceof RangeError) && !(e instanceof Iso20022Error)) throw e;
      return { kind: 'unprocessable', code: 'PAYMENT.NOT_MAPPABLE', detail: `the payment cannot be written as a pacs.008: ${e.message}` };
    }
    return this.commands.execute(new SubmitPaymentCommand(cmd.clientId, new TextEncoder().encode(xml), cmd.channel, id, cmd.scopes));
  }
}

/** Resolves a QR payment to a payment order (QrRefusal when it cannot be) and submits it on the `qr` channel. */
@CommandHandler(SubmitQrPaymentCommand)
export class SubmitQrPaymentHandler implements ICommandHandler<SubmitQrPaymentCommand, SubmitPaymentResult | QrRefusal> {
  private readonly settings: ChannelSettings;

  constructor(
    private readonly commands: CommandBus,
    @Optional() @Inject(CHANNEL_SETTINGS) settings: ChannelSettings | null = null,
  ) {
    this.settings = settings ?? NO_SETTINGS;
  }

  async execute(cmd: SubmitQrPaymentCommand): Promise<SubmitPaymentResult | QrRefusal> {
    const resolved = orderFromQr(cmd.request, this.settings.merchants);
    if (resolved.kind === 'qr-refused') return resolved;
    return this.commands.execute(new SubmitChannelPaymentCommand(cmd.clientId, resolved.order, 'qr', cmd.idempotencyKey, cmd.scopes));
  }
}
