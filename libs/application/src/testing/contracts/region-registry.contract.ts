// SPDX-License-Identifier: Apache-2.0
import { RegionFencedError, type RegionRecord, type RegionRegistry } from '../../ports/region-registry.port.js';
import { contractTest, SETUP_TIMEOUT_MS } from './contract.fixtures.js';

/** What a registry under test gives the contract: a fresh, empty registry per test. */
export interface RegionRegistryHarness {
  registry: RegionRegistry;
  /** A second registry over the same storage, as another process (or region) has it: another connection, another client. */
  peer(): Promise<RegionRegistry>;
  close(): Promise<void>;
}

const T0 = Date.parse('2026-03-01T10:00:00.000Z');
/** `s` seconds after the contract's first instant. */
const at = (s: number) => new Date(T0 + s * 1000);
const iso = (s: number) => at(s).toISOString();

/** What a region's record holds after its first heartbeat at `s` with a lease of 15 s. */
const firstBeat = (id: string, s = 0): RegionRecord => ({
  id,
  status: 'healthy',
  epoch: 1,
  heartbeatAt: iso(s),
  leaseUntil: iso(s + 15),
  takenOverBy: null,
  changedBy: 'heartbeat',
  changedAt: iso(s),
});

/**
 * The RegionRegistry port's contract (issue 15): registers jest tests that run unchanged against every adapter
 * (the embedded SQLite registry, the DynamoDB one, the unit tests' fake). Call it inside a `describe`.
 *
 * Besides what the port says, it pins down: a heartbeat that keeps the status leaves `changedBy`/`changedAt` alone
 * (they say who changed the *status* last); any status an operator sets on a `down` region other than `down`
 * (`healthy` or `draining`) brings it back at a fresh epoch with `takenOverBy` cleared; `down` set on a region
 * that is down already keeps its epoch and its `takenOverBy`.
 */
export function regionRegistryContract(open: () => Promise<RegionRegistryHarness>): void {
  describe('RegionRegistry contract', () => {
    const it = contractTest;
    let h: RegionRegistryHarness;
    let registry: RegionRegistry;

    beforeEach(async () => {
      h = await open();
      registry = h.registry;
    }, SETUP_TIMEOUT_MS);
    afterEach(async () => {
      await h?.close();
    });

    it('the first heartbeat creates the record at epoch 1, healthy, with its lease; times are ISO 8601 strings', async () => {
      await expect(registry.get('eu-west-1')).resolves.toBeNull();
      const record = await registry.heartbeat('eu-west-1', at(0), at(15));
      expect(record).toEqual(firstBeat('eu-west-1'));
      await expect(registry.get('eu-west-1')).resolves.toEqual(record);
      await expect((await h.peer()).get('eu-west-1')).resolves.toEqual(record);
      for (const t of [record.heartbeatAt, record.leaseUntil, record.changedAt]) expect(new Date(t!).toISOString()).toBe(t);
    });

    it('heartbeats renew the lease and leave the status as stored (an operator drain stays drained); the epoch stays', async () => {
      await registry.heartbeat('eu-west-1', at(0), at(15));
      // only the lease moves
      await expect(registry.heartbeat('eu-west-1', at(5), at(20))).resolves.toEqual({
        ...firstBeat('eu-west-1'),
        heartbeatAt: iso(5),
        leaseUntil: iso(20),
      });
      // an operator drains the region; its instances keep beating without undoing it
      await registry.setStatus('eu-west-1', 'draining', 'operator:ops-a', at(8));
      const draining = await (await h.peer()).heartbeat('eu-west-1', at(10), at(25));
      expect(draining).toEqual({
        ...firstBeat('eu-west-1'),
        status: 'draining',
        heartbeatAt: iso(10),
        leaseUntil: iso(25),
        changedBy: 'operator:ops-a',
        changedAt: iso(8),
      });
      await expect(registry.get('eu-west-1')).resolves.toEqual(draining);
      // and the operator brings it back
      await registry.setStatus('eu-west-1', 'healthy', 'operator:ops-a', at(12));
      await expect(registry.heartbeat('eu-west-1', at(15), at(30))).resolves.toMatchObject({
        status: 'healthy',
        epoch: 1,
        leaseUntil: iso(30),
      });
    });

    it('a heartbeat of a down region throws RegionFencedError with the record as stored, and changes nothing', async () => {
      const beat = await registry.heartbeat('eu-west-1', at(0), at(15));
      const taken = await registry.takeOver('eu-west-1', beat.epoch, 'eu-central-1', 'lease-expired', at(20));
      expect(taken).not.toBeNull();
      for (const t of [30, 31]) {
        const error = await registry.heartbeat('eu-west-1', at(t), at(t + 15)).then(
          () => null,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(RegionFencedError);
        expect(error).toMatchObject({ code: 'REGION.FENCED', region: 'eu-west-1', record: taken });
      }
      await expect(registry.get('eu-west-1')).resolves.toEqual(taken);
      // from another instance (the returning region's own process) too
      await expect((await h.peer()).heartbeat('eu-west-1', at(31), at(46))).rejects.toBeInstanceOf(RegionFencedError);
      await expect(registry.get('eu-west-1')).resolves.toEqual(taken);
    });

    it('of two concurrent takeovers at the same epoch exactly one wins, the other gets null', async () => {
      await registry.heartbeat('eu-west-1', at(0), at(15));
      const peer = await h.peer();
      const results = await Promise.all([
        registry.takeOver('eu-west-1', 1, 'eu-central-1', 'lease-expired', at(20)),
        peer.takeOver('eu-west-1', 1, 'us-east-1', 'operator:ops-a', at(21)),
      ]);
      const winners = results.filter((r) => r !== null);
      expect(winners).toHaveLength(1);
      const winner = results[0] ? { by: 'eu-central-1', why: 'lease-expired', s: 20 } : { by: 'us-east-1', why: 'operator:ops-a', s: 21 };
      const expected: RegionRecord = {
        ...firstBeat('eu-west-1'),
        status: 'down',
        epoch: 2,
        takenOverBy: winner.by,
        changedBy: winner.why,
        changedAt: iso(winner.s),
      };
      expect(winners[0]).toEqual(expected);
      await expect(registry.get('eu-west-1')).resolves.toEqual(expected);
      await expect(peer.get('eu-west-1')).resolves.toEqual(expected);
    });

    it('many takeovers racing at the same epoch: one winner, epoch bumped exactly once', async () => {
      await registry.heartbeat('eu-west-1', at(0), at(15));
      const peer = await h.peer();
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => (i % 2 ? peer : registry).takeOver('eu-west-1', 1, `survivor-${i}`, 'lease-expired', at(20))),
      );
      expect(results.filter((r) => r !== null)).toHaveLength(1);
      const stored = await registry.get('eu-west-1');
      expect(stored).toMatchObject({ status: 'down', epoch: 2, takenOverBy: results.find((r) => r !== null)!.takenOverBy });
    });

    it('a takeover at a stale epoch, or of an unknown region, returns null and changes nothing', async () => {
      await registry.heartbeat('eu-west-1', at(0), at(15));
      const first = await registry.takeOver('eu-west-1', 1, 'eu-central-1', 'lease-expired', at(20));
      expect(first).toMatchObject({ epoch: 2, status: 'down', takenOverBy: 'eu-central-1' });
      await expect(registry.takeOver('eu-west-1', 1, 'us-east-1', 'lease-expired', at(21))).resolves.toBeNull();
      await expect(registry.takeOver('eu-west-1', 3, 'us-east-1', 'lease-expired', at(21))).resolves.toBeNull();
      await expect(registry.get('eu-west-1')).resolves.toEqual(first);
      await expect(registry.takeOver('nowhere-1', 1, 'us-east-1', 'lease-expired', at(21))).resolves.toBeNull();
      await expect(registry.get('nowhere-1')).resolves.toBeNull();
    });

    it('an operator declares a region down without bumping its epoch; a survivor then takes it over', async () => {
      await registry.heartbeat('eu-west-1', at(0), at(15));
      const down = await registry.setStatus('eu-west-1', 'down', 'operator:ops-a', at(5));
      expect(down).toEqual({ ...firstBeat('eu-west-1'), status: 'down', changedBy: 'operator:ops-a', changedAt: iso(5) });
      await expect(registry.get('eu-west-1')).resolves.toEqual(down);
      // declared down: its own heartbeats no longer revive it
      await expect(registry.heartbeat('eu-west-1', at(6), at(21))).rejects.toBeInstanceOf(RegionFencedError);
      // declared down again: nothing new
      await expect(registry.setStatus('eu-west-1', 'down', 'operator:ops-b', at(7))).resolves.toEqual({
        ...down,
        changedBy: 'operator:ops-b',
        changedAt: iso(7),
      });
      const taken = await registry.takeOver('eu-west-1', 1, 'eu-central-1', 'operator:ops-a', at(8));
      expect(taken).toEqual({
        ...firstBeat('eu-west-1'),
        status: 'down',
        epoch: 2,
        takenOverBy: 'eu-central-1',
        changedBy: 'operator:ops-a',
        changedAt: iso(8),
      });
      // down again on a region taken over keeps who took it over and its epoch
      await expect(registry.setStatus('eu-west-1', 'down', 'operator:ops-c', at(9))).resolves.toEqual({
        ...taken,
        changedBy: 'operator:ops-c',
        changedAt: iso(9),
      });
    });

    it('an operator brings a down region back healthy: a fresh epoch, takenOverBy cleared, heartbeats work again', async () => {
      await registry.heartbeat('eu-west-1', at(0), at(15));
      await registry.takeOver('eu-west-1', 1, 'eu-central-1', 'lease-expired', at(20));
      const back = await registry.setStatus('eu-west-1', 'healthy', 'operator:ops-a', at(60));
      expect(back).toEqual({
        ...firstBeat('eu-west-1'),
        epoch: 3,
        changedBy: 'operator:ops-a',
        changedAt: iso(60),
      });
      await expect(registry.get('eu-west-1')).resolves.toEqual(back);
      // a takeover that read the record before it came back is stale now
      await expect(registry.takeOver('eu-west-1', 2, 'eu-central-1', 'lease-expired', at(61))).resolves.toBeNull();
      await expect(registry.heartbeat('eu-west-1', at(62), at(77))).resolves.toEqual({
        ...back,
        heartbeatAt: iso(62),
        leaseUntil: iso(77),
      });
      // healthy again on a healthy region: no new epoch
      await expect(registry.setStatus('eu-west-1', 'healthy', 'operator:ops-b', at(63))).resolves.toMatchObject({
        status: 'healthy',
        epoch: 3,
        changedBy: 'operator:ops-b',
        changedAt: iso(63),
      });
    });

    it('an operator drains a region (no new payments) and makes it healthy again, at the same epoch', async () => {
      await registry.heartbeat('eu-west-1', at(0), at(15));
      const draining = await registry.setStatus('eu-west-1', 'draining', 'operator:ops-a', at(5));
      expect(draining).toEqual({ ...firstBeat('eu-west-1'), status: 'draining', changedBy: 'operator:ops-a', changedAt: iso(5) });
      await expect(registry.get('eu-west-1')).resolves.toEqual(draining);
      await expect(registry.setStatus('eu-west-1', 'healthy', 'operator:ops-a', at(10))).resolves.toEqual({
        ...firstBeat('eu-west-1'),
        changedBy: 'operator:ops-a',
        changedAt: iso(10),
      });
    });

    it('draining set on a down region brings it back draining at a fresh epoch, takenOverBy cleared', async () => {
      await registry.heartbeat('eu-west-1', at(0), at(15));
      await registry.takeOver('eu-west-1', 1, 'eu-central-1', 'lease-expired', at(20));
      await expect(registry.setStatus('eu-west-1', 'draining', 'operator:ops-a', at(60))).resolves.toEqual({
        ...firstBeat('eu-west-1'),
        status: 'draining',
        epoch: 3,
        changedBy: 'operator:ops-a',
        changedAt: iso(60),
      });
      await expect(registry.heartbeat('eu-west-1', at(61), at(76))).resolves.toMatchObject({ status: 'draining', epoch: 3 });
    });

    it('setStatus creates the record when there is none: epoch 1, never beat', async () => {
      for (const [id, status] of [
        ['eu-west-1', 'healthy'],
        ['eu-west-2', 'draining'],
        ['eu-west-3', 'down'],
      ] as const) {
        const created = await registry.setStatus(id, status, 'operator:ops-a', at(1));
        expect(created).toEqual({
          id,
          status,
          epoch: 1,
          heartbeatAt: null,
          leaseUntil: null,
          takenOverBy: null,
          changedBy: 'operator:ops-a',
          changedAt: iso(1),
        });
        await expect(registry.get(id)).resolves.toEqual(created);
      }
      // declared down before it ever beat: a survivor can take it over at epoch 1
      await expect(registry.takeOver('eu-west-3', 1, 'eu-west-1', 'operator:ops-a', at(2))).resolves.toMatchObject({
        status: 'down',
        epoch: 2,
        takenOverBy: 'eu-west-1',
      });
      await expect(registry.heartbeat('eu-west-3', at(3), at(18))).rejects.toBeInstanceOf(RegionFencedError);
    });

    it('list returns every record by id; get of an unknown region is null', async () => {
      await expect(registry.list()).resolves.toEqual([]);
      await registry.heartbeat('us-east-1', at(0), at(15));
      await registry.heartbeat('eu-west-1', at(1), at(16));
      await registry.setStatus('ap-south-1', 'down', 'operator:ops-a', at(2));
      await registry.takeOver('us-east-1', 1, 'eu-west-1', 'lease-expired', at(20));
      const all = await registry.list();
      expect(all.map((r) => r.id)).toEqual(['ap-south-1', 'eu-west-1', 'us-east-1']);
      for (const r of all) await expect(registry.get(r.id)).resolves.toEqual(r);
      expect(all.find((r) => r.id === 'us-east-1')).toMatchObject({ status: 'down', epoch: 2, takenOverBy: 'eu-west-1' });
      await expect((await h.peer()).list()).resolves.toEqual(all);
      await expect(registry.get('nowhere-1')).resolves.toBeNull();
      await expect(registry.get('eu-west')).resolves.toBeNull();
    });

    it('keeps region ids apart, whatever characters they hold', async () => {
      const ids = ['eu#west', 'eu', 'eu%23west', 'région-ü'];
      for (const [i, id] of ids.entries()) await registry.heartbeat(id, at(i), at(i + 15));
      for (const [i, id] of ids.entries()) await expect(registry.get(id)).resolves.toEqual(firstBeat(id, i));
      expect((await registry.list()).map((r) => r.id).sort()).toEqual([...ids].sort());
    });
  });
}
