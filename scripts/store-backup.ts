// SPDX-License-Identifier: Apache-2.0
/**
 * Backup and restore of the DynamoDB store (STORE=dynamodb) as JSON lines; docs/aws.md explains when to use
 * this and when PITR / on-demand backups.
 *
 *   node dist/scripts/store-backup.js export [file]            # the table to a file (stdout without one)
 *   node dist/scripts/store-backup.js import <file|-> [--create] # a backup into the table (stdin for -);
 *                                                               # --create makes the table first
 *
 * Reads DYNAMODB_TABLE, AWS_REGION and the SDK's usual credentials; AWS_ENDPOINT_URL_DYNAMODB points it at
 * DynamoDB Local or another compatible engine. Progress goes to stderr.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureStoreTable, exportTable, importTable } from '#adapters/aws';

const say = (line: string) => process.stderr.write(`store-backup: ${line}\n`);

async function main(argv: string[]): Promise<number> {
  const [command, file, ...flags] = argv;
  const table = process.env.DYNAMODB_TABLE;
  if (!table) {
    say('DYNAMODB_TABLE is required (the store table to export from or import into)');
    return 2;
  }
  if (!process.env.AWS_REGION && !process.env.AWS_DEFAULT_REGION) {
    say('AWS_REGION is required');
    return 2;
  }
  const endpoint = process.env.AWS_ENDPOINT_URL_DYNAMODB || process.env.AWS_ENDPOINT_URL;
  const client = new DynamoDBClient({
    region: process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION,
    ...(endpoint ? { endpoint } : {}),
  });
  try {
    if (command === 'export') {
      const out = file && file !== '-' ? createWriteStream(file, { mode: 0o600 }) : process.stdout;
      let lines = 0;
      for await (const line of exportTable(client, table)) {
        if (!out.write(`${line}\n`)) await once(out, 'drain');
        lines++;
      }
      if (out !== process.stdout) {
        out.end();
        await once(out, 'finish');
      }
      say(`exported ${Math.max(lines - 1, 0)} items of ${table}`);
      return 0;
    }
    if (command === 'import' && file) {
      if (flags.includes('--create')) await ensureStoreTable(client, table);
      const input = file === '-' ? process.stdin : createReadStream(file, 'utf8');
      const written = await importTable(client, table, createInterface({ input, crlfDelay: Infinity }));
      say(`imported ${written} items into ${table}`);
      return 0;
    }
    say('usage: store-backup export [file] | store-backup import <file|-> [--create]');
    return 2;
  } finally {
    client.destroy();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    say(`failed: ${(e as Error).message}`);
    process.exit(1);
  },
);
