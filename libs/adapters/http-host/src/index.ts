export { HttpLegacyHost, type HostAnswerReader, type HttpLegacyHostOptions, type Pacs002Reader } from './http-legacy-host.adapter.js';
export { cancellationOutcomeFromCamt029, HostProtocolError, outcomeFromPacs002, returnOutcomeFromPacs002 } from './host-outcome.mapper.js';
export { backoffDelay, isRetryableStatus, parseRetryAfter } from './retry-policy.js';
