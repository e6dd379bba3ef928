// SPDX-License-Identifier: Apache-2.0
import { type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { PeerReplicas } from '#application';
import { keyOf, keys } from './dynamodb-table.js';

/**
 * The peer regions' replicas of the store's table (a DynamoDB global table: the same table name in every region),
 * one client per peer. A payment is readable in a peer once its item is there: one strongly consistent GetItem of
 * its key alone (consistent within the peer's region).
 */
export class DynamoDbPeerReplicas implements PeerReplicas {
  readonly peers: readonly string[];

  constructor(
    private readonly clients: ReadonlyMap<string, DynamoDBClient>,
    private readonly options: { tableName: string },
  ) {
    this.peers = [...clients.keys()];
  }

  async holds(peer: string, transactionId: string): Promise<boolean> {
    const client = this.clients.get(peer);
    if (!client) throw new Error(`no replica client for peer region ${peer}`);
    const res = await client.send(
      new GetItemCommand({
        TableName: this.options.tableName,
        Key: keyOf(keys.payment(transactionId)),
        ConsistentRead: true,
        ProjectionExpression: 'pk',
      }),
    );
    return res.Item !== undefined;
  }
}
