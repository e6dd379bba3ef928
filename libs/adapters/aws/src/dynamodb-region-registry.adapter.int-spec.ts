// SPDX-License-Identifier: Apache-2.0
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { startAwsEngines, type AwsEngines } from '../../../../test/support/aws-engines.js';
import { regionRegistryContract } from '../../../application/src/testing/contracts/region-registry.contract.js';
import { ensureStoreTable } from './aws-resources.js';
import { DynamoDbRegionRegistry } from './dynamodb-region-registry.adapter.js';
import { keyOf, keys } from './dynamodb-table.js';

describe('DynamoDbRegionRegistry (DynamoDB Local)', () => {
  let engines: AwsEngines;
  const clients: DynamoDBClient[] = [];
  let n = 0;

  const newClient = () => {
    const client = new DynamoDBClient({ region: engines.region, credentials: engines.credentials, endpoint: engines.dynamodb!.endpoint });
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    engines = await startAwsEngines({ fauxqs: false, secretsManager: false });
  }, 120_000);
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await engines?.stop();
  });

  /** A fresh store table per test: tests never see each other's regions. */
  const freshTable = async () => {
    const tableName = `clearway-regions-${++n}`;
    await ensureStoreTable(newClient(), tableName);
    return tableName;
  };

  // the port's contract, shared with the SQLite registry; the peer has its own client, as another region would
  regionRegistryContract(async () => {
    const tableName = await freshTable();
    return {
      registry: new DynamoDbRegionRegistry(newClient(), { tableName }),
      peer: async () => new DynamoDbRegionRegistry(newClient(), { tableName }),
      close: async () => {},
    };
  });

  it('keeps a region as a status item and a lease item of the store table, under the regions partition', async () => {
    const tableName = await freshTable();
    const client = newClient();
    const registry = new DynamoDbRegionRegistry(client, { tableName });
    await registry.heartbeat('eu#west', new Date('2026-03-01T10:00:00.000Z'), new Date('2026-03-01T10:00:15.000Z'));
    await registry.takeOver('eu#west', 1, 'us-east-1', 'lease-expired', new Date('2026-03-01T10:00:20.000Z'));
    const { Item } = await client.send(
      new GetItemCommand({ TableName: tableName, Key: keyOf(keys.region('eu#west')), ConsistentRead: true }),
    );
    expect(Item).toMatchObject({
      pk: { S: 'REGIONS' },
      sk: { S: 'REGION#eu%23west' },
      kind: { S: 'region' },
      status: { S: 'down' },
      epoch: { N: '2' },
      takenOverBy: { S: 'us-east-1' },
    });
    // the lease has an item of its own, written by the region alone (a heartbeat never rewrites the status)
    expect(Item!.leaseUntil).toBeUndefined();
    const lease = (
      await client.send(new GetItemCommand({ TableName: tableName, Key: keyOf(keys.regionLease('eu#west')), ConsistentRead: true }))
    ).Item;
    expect(lease).toMatchObject({
      sk: { S: 'LEASE#eu%23west' },
      heartbeatAt: { S: '2026-03-01T10:00:00.000Z' },
      leaseUntil: { S: '2026-03-01T10:00:15.000Z' },
    });
    await expect(registry.get('eu#west')).resolves.toMatchObject({ status: 'down', epoch: 2, leaseUntil: '2026-03-01T10:00:15.000Z' });
    // no index entries: a heartbeat writes nothing but its items
    expect([...Object.keys(Item!), ...Object.keys(lease!)].filter((k) => k.startsWith('gsi'))).toEqual([]);
  });
});
