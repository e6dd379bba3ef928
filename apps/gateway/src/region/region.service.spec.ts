// SPDX-License-Identifier: Apache-2.0
import { FakeClock, FakeRegionRegistry } from '../../../../libs/application/src/testing/in-memory.fakes.js';
import { RegionOwnership, TakeOverRegionCommand, type RegionRecord } from '#application';
import { RegionService } from './region.service.js';

/** A region service of region `id` on a shared fake registry, with a command bus that records takeover commands. */
function region(
  id: string,
  peers: string[],
  registry: FakeRegionRegistry,
  clock: FakeClock,
  role: 'all' | 'api' = 'all',
  ownership: RegionOwnership | null = null,
) {
  const commands: TakeOverRegionCommand[] = [];
  /** What the store's fence allowed when each takeover command ran. */
  const ownedAtRedrive: string[][] = [];
  const bus = {
    execute: (c: TakeOverRegionCommand) => {
      commands.push(c);
      if (ownership) ownedAtRedrive.push(ownership.regions());
      return Promise.resolve({ redriven: 0 });
    },
  };
  const service = new RegionService(
    { id, peers, consistency: 'strong', heartbeatMs: 1000, leaseMs: 3000, peerEndpoints: {}, globalTimeoutMs: 10_000 },
    { role } as never,
    clock,
    bus as never,
    registry,
    ownership,
  );
  return { service, commands, ownedAtRedrive, beat: () => (service as unknown as { beat(): Promise<void> }).beat() };
}

describe('RegionService', () => {
  it('beats, is healthy, and without a peer takes nothing over', async () => {
    const clock = new FakeClock();
    const registry = new FakeRegionRegistry();
    const a = region('a', [], registry, clock);
    await a.beat();
    expect(a.service.status).toBe('healthy');
    expect(a.service.acting).toBe(true);
    expect(a.service.ownedRegions()).toEqual(['a']);
    expect((await registry.get('a'))!.leaseUntil).toBe(new Date(clock.now().getTime() + 3000).toISOString());
  });

  it("takes over a peer whose lease ran out, once, and carries its payments on at every beat; the loser of a race doesn't", async () => {
    const clock = new FakeClock();
    const registry = new FakeRegionRegistry();
    const a = region('a', ['b', 'c'], registry, clock);
    const b = region('b', ['a', 'c'], registry, clock);
    const c = region('c', ['a', 'b'], registry, clock);
    await Promise.all([a.beat(), b.beat(), c.beat()]);
    clock.advance(2000);
    await Promise.all([b.beat(), c.beat()]); // a stops beating
    expect(b.commands).toEqual([]);
    clock.advance(2000); // a's lease (3 s) ran out
    await b.beat();
    await c.beat();
    const record = (await registry.get('a')) as RegionRecord;
    expect(record).toMatchObject({ status: 'down', epoch: 2, takenOverBy: 'b', changedBy: 'lease-expired' });
    expect(b.service.ownedRegions()).toEqual(['b', 'a']);
    expect(c.service.ownedRegions()).toEqual(['c']);
    expect(b.commands).toEqual([expect.objectContaining({ region: 'a', epoch: 2 })]);
    await b.beat();
    expect(b.commands).toHaveLength(2);
    expect(c.commands).toEqual([]);
  });

  it('a returning region finds itself taken over: fenced (down, not acting) until an operator brings it back', async () => {
    const clock = new FakeClock();
    const registry = new FakeRegionRegistry();
    const a = region('a', ['b'], registry, clock);
    const b = region('b', ['a'], registry, clock);
    await Promise.all([a.beat(), b.beat()]);
    clock.advance(5000);
    await b.beat();
    const back = region('a', ['b'], registry, clock);
    await back.beat();
    expect(back.service.status).toBe('down');
    expect(back.service.acting).toBe(false);
    expect(back.service.view()).toMatchObject({ region_id: 'a', status: 'down', epoch: 2 });
    // the operator brings it back (from b): a fresh epoch, b lets go, a beats healthy again
    await b.service.setStatus('a', 'healthy', 'operator:ops');
    await back.beat();
    expect(back.service.status).toBe('healthy');
    expect(back.service.view().epoch).toBe(3);
    await b.beat(); // a's old lease is long gone, but it was just brought back: one lease of grace
    expect((await registry.get('a'))!.status).toBe('healthy');
    expect(b.service.ownedRegions()).toEqual(['b']);
  });

  it('an operator declares a peer down: a survivor takes it over at its next beat; a drain holds while the region beats', async () => {
    const clock = new FakeClock();
    const registry = new FakeRegionRegistry();
    const a = region('a', ['b'], registry, clock);
    const b = region('b', ['a'], registry, clock);
    await Promise.all([a.beat(), b.beat()]);
    await b.service.setStatus('b', 'draining', 'operator:ops');
    await b.beat();
    expect(b.service.status).toBe('draining');
    expect(b.service.acting).toBe(true);
    await a.service.setStatus('b', 'down', 'operator:ops');
    await a.beat();
    expect(await registry.get('b')).toMatchObject({ status: 'down', takenOverBy: 'a', changedBy: 'operator:ops', epoch: 2 });
    await b.beat();
    expect(b.service.acting).toBe(false);
  });

  it('an API-only process beats but takes nothing over', async () => {
    const clock = new FakeClock();
    const registry = new FakeRegionRegistry();
    const a = region('a', ['b'], registry, clock);
    const api = region('b', ['a'], registry, clock, 'api');
    await Promise.all([a.beat(), api.beat()]);
    clock.advance(5000);
    await api.beat();
    expect((await registry.get('a'))!.status).toBe('healthy');
    expect(api.commands).toEqual([]);
  });

  it('tells the store fence what it owns (eventual mode): a takeover before the re-drive, a fence when down', async () => {
    const clock = new FakeClock();
    const registry = new FakeRegionRegistry();
    const ownA = new RegionOwnership('a');
    const ownB = new RegionOwnership('b');
    const a = region('a', ['b'], registry, clock, 'all', ownA);
    const b = region('b', ['a'], registry, clock, 'all', ownB);
    await Promise.all([a.beat(), b.beat()]);
    expect(ownA.regions()).toEqual(['a']);
    expect(ownA.tokenFor('a')).toEqual({ home: 'a', epoch: 1, holder: 'a' });
    expect(() => ownB.tokenFor('a')).toThrow(/belongs to region a/);
    clock.advance(5000); // a stops beating: its lease runs out
    await b.beat();
    // the payments of a are re-driven only once the fence lets b write them
    expect(b.ownedAtRedrive).toEqual([['b', 'a']]);
    expect(ownB.tokenFor('a')).toEqual({ home: 'a', epoch: 2, holder: 'b' });
    await a.beat();
    expect(ownA.regions()).toEqual([]);
    expect(() => ownA.tokenFor('a')).toThrow(/no longer acts for region a at epoch 2/);
  });

  it('an API-only process follows the takeovers its region made (eventual mode: it accepts decisions on them)', async () => {
    const clock = new FakeClock();
    const registry = new FakeRegionRegistry();
    const own = new RegionOwnership('b');
    const a = region('a', ['b'], registry, clock);
    const worker = region('b', ['a'], registry, clock);
    const api = region('b', ['a'], registry, clock, 'api', own);
    await Promise.all([a.beat(), worker.beat(), api.beat()]);
    clock.advance(5000);
    await worker.beat();
    await api.beat();
    expect(own.tokenFor('a')).toEqual({ home: 'a', epoch: 2, holder: 'b' });
    expect(api.commands).toEqual([]);
  });
});
