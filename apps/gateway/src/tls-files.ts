// SPDX-License-Identifier: Apache-2.0
import { readFileSync } from 'node:fs';
import type { TlsFiles } from './config/configuration.js';

/** The PEM contents of configured TLS files (HOST_TLS_*, AMQP_TLS_*), read at start. */
export function readTlsFiles(files: TlsFiles | null): { ca?: Buffer; cert?: Buffer; key?: Buffer } | undefined {
  if (!files) return undefined;
  return {
    ...(files.caFile ? { ca: readFileSync(files.caFile) } : {}),
    ...(files.certFile ? { cert: readFileSync(files.certFile) } : {}),
    ...(files.keyFile ? { key: readFileSync(files.keyFile) } : {}),
  };
}
