// SPDX-License-Identifier: Apache-2.0
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { AmqpSession } from '#adapters/amqp';
import { AMQP_SESSION } from '../gateway.tokens.js';

/** Closes the RabbitMQ connection when the gateway stops (unacked deliveries go back to their queues). */
@Injectable()
export class AmqpLifecycle implements OnApplicationShutdown {
  constructor(@Inject(AMQP_SESSION) private readonly session: AmqpSession) {}

  async onApplicationShutdown(): Promise<void> {
    await this.session.close();
  }
}
