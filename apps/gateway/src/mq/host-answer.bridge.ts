import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { AmqpLegacyHost } from '#adapters/amqp';
import { LEGACY_HOST, RecordHostAnswerCommand, TransactionNotFoundError, type LegacyHost } from '#application';

/**
 * Applies host answers that arrive on the reply queue when no call waits for them (after HOST_TIMEOUT_MS, when
 * the payment was parked in PDNG, or answers to another gateway process) through RecordHostAnswerCommand,
 * which is idempotent: a redelivered or repeated answer changes nothing.
 */
@Injectable()
export class HostAnswerBridge implements OnApplicationBootstrap {
  private readonly log = new Logger('HostAnswers');

  constructor(
    @Inject(LEGACY_HOST) private readonly host: LegacyHost,
    private readonly commands: CommandBus,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!(this.host instanceof AmqpLegacyHost)) return;
    this.host.onLateAnswer(async ({ transactionId, outcome }) => {
      try {
        const r = await this.commands.execute(new RecordHostAnswerCommand(transactionId, outcome, `host:${this.host.name}`));
        if (r === 'done') this.log.debug(`late host answer applied to ${transactionId}: ${outcome.kind}`);
      } catch (e) {
        // Not ours (another installation shares the reply queue): nothing to apply, do not redeliver for ever.
        if (e instanceof TransactionNotFoundError) {
          this.log.warn(`host answer for unknown transaction ${transactionId} dropped`);
          return;
        }
        throw e;
      }
    });
    await this.host.start();
  }
}
