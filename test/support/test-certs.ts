// SPDX-License-Identifier: Apache-2.0
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './processes.js';

/** PEM files of a throwaway test PKI made with openssl at test time (nothing is kept in the repository). */
export interface TestPki {
  dir: string;
  caFile: string;
  ca: string;
  /** A server certificate for 127.0.0.1 and localhost, signed by the CA. */
  server: { certFile: string; keyFile: string; cert: string; key: string };
  /** A client certificate (CN=clearway-gateway), signed by the CA. */
  client: { certFile: string; keyFile: string; cert: string; key: string };
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A CA and a leaf certificate (P-256 keys, one day) it signs; `kind` picks the extensions. */
function leaf(dir: string, name: string, cn: string, kind: 'server' | 'client', caName: string): { certFile: string; keyFile: string } {
  const ext = join(dir, `${name}.ext`);
  writeFileSync(
    ext,
    kind === 'server' ? 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' : 'extendedKeyUsage=clientAuth\n',
  );
  openssl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`]);
  openssl(dir, ['req', '-new', '-key', `${name}.key`, '-subj', `/CN=${cn}`, '-out', `${name}.csr`]);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${caName}.crt`,
    '-CAkey',
    `${caName}.key`,
    '-CAcreateserial',
    '-days',
    '1',
    '-extfile',
    ext,
    '-out',
    `${name}.crt`,
  ]);
  return { certFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`) };
}

/** Makes a CA named `caName` in `dir`. */
function makeCa(dir: string, caName: string, cn: string): void {
  openssl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${caName}.key`]);
  openssl(dir, ['req', '-x509', '-new', '-key', `${caName}.key`, '-subj', `/CN=${cn}`, '-days', '1', '-out', `${caName}.crt`]);
}

const read = (f: string) => readFileSync(f, 'utf8');

/** A fresh test PKI: its own CA, a server certificate and a client certificate. */
export function makeTestPki(label = 'pki'): TestPki {
  const dir = tempDir(label);
  makeCa(dir, 'ca', `Clearway test CA ${label}`);
  const server = leaf(dir, 'server', 'localhost', 'server', 'ca');
  const client = leaf(dir, 'client', 'clearway-gateway', 'client', 'ca');
  return {
    dir,
    caFile: join(dir, 'ca.crt'),
    ca: read(join(dir, 'ca.crt')),
    server: { ...server, cert: read(server.certFile), key: read(server.keyFile) },
    client: { ...client, cert: read(client.certFile), key: read(client.keyFile) },
  };
}
