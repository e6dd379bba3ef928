// SPDX-License-Identifier: Apache-2.0
export { HttpLegacyHost, type HostAnswerReader, type HttpLegacyHostOptions, type Pacs002Reader } from './http-legacy-host.adapter.js';
export { isRetryableStatus, parseRetryAfter } from './retry-policy.js';
export { type HostTlsOptions } from './tls-transport.js';
