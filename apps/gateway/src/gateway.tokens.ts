/** DI tokens of the gateway app (the composition root). */
export const GATEWAY_CONFIG = Symbol('clearway.GatewayConfig');
export const CLIENT_REGISTRY = Symbol('clearway.ClientRegistry');
