// SPDX-License-Identifier: Apache-2.0
export {
  AmqpSession,
  AmqpUnavailableError,
  amqpSocketOptions,
  redactUrl,
  type AmqpTlsOptions,
  type AmqpDelivery,
  type AmqpSessionOptions,
  type DeliveryHandler,
} from './amqp-session.js';
export {
  DEAD_LETTER_QUEUE_ARGUMENTS,
  DEFAULT_TOPOLOGY,
  DELIVERY_LIMIT,
  deadLetterQueueOf,
  declareQueues,
  topologyFromEnv,
  workQueueArguments,
  type AmqpTopologyNames,
} from './amqp-topology.js';
export {
  AmqpHeader,
  AmqpLegacyHost,
  type AmqpLegacyHostOptions,
  type LateHostAnswer,
  type Pacs002Reader,
} from './amqp-legacy-host.adapter.js';
export { AmqpStatusPublisher, STATUS_HEADER } from './amqp-status-publisher.adapter.js';
