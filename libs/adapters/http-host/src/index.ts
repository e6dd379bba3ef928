export { HttpLegacyHost, type HttpLegacyHostOptions, type Pacs002Reader } from './http-legacy-host.adapter.js';
export { HostProtocolError, outcomeFromPacs002 } from './host-outcome.mapper.js';
export { backoffDelay, isRetryableStatus, parseRetryAfter } from './retry-policy.js';
