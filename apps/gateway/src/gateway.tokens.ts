/** DI tokens of the gateway app (the composition root). */
export const GATEWAY_CONFIG = Symbol('clearway.GatewayConfig');
export const CLIENT_REGISTRY = Symbol('clearway.ClientRegistry');
/** The gateway's RabbitMQ connection (AmqpSession), when a broker is configured. */
export const AMQP_SESSION = Symbol('clearway.AmqpSession');
