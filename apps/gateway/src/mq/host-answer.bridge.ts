// SPDX-License-Identifier: Apache-2.0
import { Inject, Injectable, Logger, Optional, type OnApplicationBootstrap } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { AmqpLegacyHost } from '#adapters/amqp';
import {
  CONNECTORS,
  LEGACY_HOST,
  RecordHostAnswerCommand,
  TRANSACTION_REPOSITORY,
  TransactionNotFoundError,
  type ConnectorSet,
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
    @Optional() @Inject(CONNECTORS) private readonly connectors: ConnectorSet | null = null,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // The one legacy host over AMQP, and every AMQP connector of ROUTING_FILE (each on its own reply queue).
    const hosts = [this.host, ...(this.connectors?.adapters().values() ?? [])].filter((h) => h instanceof AmqpLegacyHost);
    for (const host of hosts) await this.bridge(host, host === this.host ? this.host.name : this.connectorId(host));
  }

  private connectorId(host: LegacyHost): string {
    for (const [id, adapter] of this.connectors?.adapters() ?? []) if (adapter === host) return id;
    return host.name;
  }

  private async bridge(host: AmqpLegacyHost, name: string): Promise<void> {
    host.onLateAnswer(
      async ({ transactionId, outcome }) => {
        try {
          const r = await this.commands.execute(new RecordHostAnswerCommand(transactionId, outcome, `host:${name}`));
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
    await host.start();
  }
}
