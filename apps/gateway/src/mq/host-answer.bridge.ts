import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { AmqpLegacyHost } from '#adapters/amqp';
import {
  LEGACY_HOST,
  RecordHostAnswerCommand,
  TRANSACTION_REPOSITORY,
  TransactionNotFoundError,
  type LegacyHost,
  type TransactionRepository,
} from '#application';

/**
 * Applies host answers that arrive on the reply queue when no call waits for them (after HOST_TIMEOUT_MS, when
 * the payment was parked in PDNG, or answers to another gateway process) through RecordHostAnswerCommand,
 * which is idempotent: a redelivered or repeated answer changes nothing. The adapter reads each such answer
 * against the UETR of the stored payment it names (from the repository), as it reads an awaited answer against
 * the UETR it sent: a reply whose headers name one payment and whose pacs.002 is about another is refused.
 */
@Injectable()
export class HostAnswerBridge implements OnApplicationBootstrap {
  private readonly log = new Logger('HostAnswers');

  constructor(
    @Inject(LEGACY_HOST) private readonly host: LegacyHost,
    private readonly commands: CommandBus,
    @Inject(TRANSACTION_REPOSITORY) private readonly repository: TransactionRepository,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!(this.host instanceof AmqpLegacyHost)) return;
    this.host.onLateAnswer(
      async ({ transactionId, outcome }) => {
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
      },
      async (transactionId) => {
        const payment = await this.repository.get(transactionId);
        return payment ? payment.uetr : undefined;
      },
    );
    await this.host.start();
  }
}
