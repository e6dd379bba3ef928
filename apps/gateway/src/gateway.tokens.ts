// SPDX-License-Identifier: Apache-2.0
/** DI tokens of the gateway app (the composition root). Configuration: the namespaces in config/namespaces.ts. */
export const CLIENT_REGISTRY = Symbol('clearway.ClientRegistry');
/** The gateway's RabbitMQ connection (AmqpSession), when a broker is configured. */
export const AMQP_SESSION = Symbol('clearway.AmqpSession');
/** The owner of the payments from the inbound queue (MqClient: MQ_CLIENT_ID and its expanded scopes), with a broker. */
export const MQ_CLIENT = Symbol('clearway.MqClient');
