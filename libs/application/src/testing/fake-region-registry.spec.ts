// SPDX-License-Identifier: Apache-2.0
import { regionRegistryContract } from './contracts/region-registry.contract.js';
import { FakeRegionRegistry } from './in-memory.fakes.js';

describe('FakeRegionRegistry (the port contract, shared with the SQLite and DynamoDB registries)', () => {
  regionRegistryContract(async () => {
    const registry = new FakeRegionRegistry();
    return { registry, peer: async () => registry.peer(), close: async () => {} };
  });
});
