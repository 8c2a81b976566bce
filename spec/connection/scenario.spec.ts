import { VirtualAction, VirtualTimeScheduler, map } from 'rxjs';
import { Connection } from '../../lib/connection/connection';
import { plainPackages } from '../../lib/connection/packageCodec';
import type { ConnectionStats } from '../../lib/connection/stats';
import { AckTimeoutError } from '../../lib/protocol/errors';
import type { Transport } from '../../lib/transport/datagram';
import { MemoryNetwork } from '../../lib/transport/memoryNetwork';
import type { NetworkConditions } from '../../lib/transport/simulateNetwork';
import { simulateNetwork } from '../../lib/transport/simulateNetwork';

/** yojimbo's soak-test settings. */
const YOJIMBO: NetworkConditions = {
  latencyMs: 250,
  jitterMs: 100,
  loss: 0.25,
  duplicate: 0.25,
  reorder: true,
};
const MINUTES = 60_000;

interface Outcome {
  stats: { a: ConnectionStats; b: ConnectionStats };
  acked: number[];
  failed: number[];
  other: unknown[];
  receivedByB: Map<number, number>;
  sequencesSeenTwiceByB: number;
  virtualEnd: number;
}

/** Two connections over a lossy in-memory network; A sends B 1,000 events with 10 retries. */
function runScenario(seed: number): Outcome {
  const scheduler = new VirtualTimeScheduler(VirtualAction, Infinity);
  const network = new MemoryNetwork(scheduler);
  const a = network.bind({ host: 'a', port: 1 });
  const b = network.bind({ host: 'b', port: 2 });
  const connect = (self: Transport, peer: Transport, linkSeed: number): Connection =>
    new Connection({
      remote: peer.address,
      incoming$: self.datagrams$.pipe(
        simulateNetwork({ ...YOJIMBO, seed: linkSeed }, scheduler),
        map((d) => d.data),
      ),
      send: (data) => self.send({ data, address: peer.address }),
      codec: plainPackages,
      scheduler,
    }).open();
  const connectionA = connect(a, b, seed);
  const connectionB = connect(b, a, seed + 1);

  const acked: number[] = [];
  const failed: number[] = [];
  const other: unknown[] = [];
  const receivedByB = new Map<number, number>();
  const sequences = new Set<number>();
  let sequencesSeenTwiceByB = 0;
  connectionB.events$.subscribe((event) => {
    const i = event.args[0] as number;
    receivedByB.set(i, (receivedByB.get(i) ?? 0) + 1);
  });
  connectionB.packages$.subscribe(({ package: pkg }) => {
    if (sequences.has(pkg.header.sequence)) sequencesSeenTwiceByB++;
    sequences.add(pkg.header.sequence);
  });

  // One event every 500 ms for the first 500 s; the rest of the 10 minutes lets retries finish.
  for (let i = 0; i < 1000; i++) {
    scheduler.schedule(() => {
      connectionA
        .dispatchEvent({ type: 'SCORE', args: [i], kwargs: { points: i % 7 } }, { retries: 10 })
        .subscribe({
          complete: () => acked.push(i),
          error: (error: unknown) =>
            error instanceof AckTimeoutError ? failed.push(i) : other.push(error),
        });
    }, 500 * i);
  }
  let stats: Outcome['stats'] | undefined;
  scheduler.schedule(() => {
    stats = { a: connectionA.stats, b: connectionB.stats };
    connectionA.close();
    connectionB.close();
  }, 10 * MINUTES);
  scheduler.flush();
  return {
    stats: stats as Outcome['stats'],
    acked,
    failed,
    other,
    receivedByB,
    sequencesSeenTwiceByB,
    virtualEnd: scheduler.now(),
  };
}

describe('two connections over a lossy network for 10 virtual minutes', () => {
  const outcome = runScenario(42);
  const { a, b } = outcome.stats;

  it('stops when the connections close, at 10 virtual minutes', () => {
    expect(outcome.virtualEnd).toBe(10 * MINUTES);
  });

  it('resolves every one of 1,000 events as acked or timed out: none silently lost', () => {
    expect(outcome.other).toEqual([]);
    expect(outcome.acked.length + outcome.failed.length).toBe(1000);
    expect(new Set([...outcome.acked, ...outcome.failed]).size).toBe(1000);
    expect(outcome.acked.length).toBeGreaterThan(990);
  });

  it('delivers every acked event to B', () => {
    for (const i of outcome.acked) expect(outcome.receivedByB.get(i)).toBeGreaterThanOrEqual(1);
    for (const i of outcome.receivedByB.keys()) expect(i >= 0 && i < 1000).toBe(true);
  });

  it('never takes a package twice, though the network duplicated a quarter of them', () => {
    expect(b.duplicates).toBeGreaterThan(0);
    expect(outcome.sequencesSeenTwiceByB).toBe(0);
  });

  it('re-sent what timed out, and counts it', () => {
    expect(a.resends).toBeGreaterThan(0);
    expect(a.eventsOut).toBe(1000);
    expect(a.eventsSent).toBe(a.eventsOut + a.resends);
    expect(b.eventsIn).toBeGreaterThanOrEqual(outcome.acked.length);
    expect(b.eventsIn).toBe([...outcome.receivedByB.values()].reduce((x, y) => x + y, 0));
  });

  it('keeps stats that add up on both ends', () => {
    for (const [self, peer] of [
      [a, b],
      [b, a],
    ] as const) {
      expect(self.datagramsIn).toBe(self.packagesIn + self.duplicates + self.stale + self.dropped);
      expect(self.dropped).toBe(0);
      expect(self.acked + self.timedOut).toBeLessThanOrEqual(self.datagramsOut);
      expect(self.packagesIn).toBeLessThanOrEqual(peer.datagramsOut);
      // About a quarter lost, a quarter of the rest doubled: what arrives is near 0.75 * 1.25.
      expect(self.datagramsIn / peer.datagramsOut).toBeGreaterThan(0.85);
      expect(self.datagramsIn / peer.datagramsOut).toBeLessThan(1.0);
      expect(self.bytesIn).toBeGreaterThan(12 * self.datagramsIn - 1);
    }
  });

  it('slows to 20 Hz on this link: its latency is above 250 ms', () => {
    // 10 minutes at 40 Hz would be 24,000 packages.
    expect(a.datagramsOut).toBeLessThan(16_000);
    expect(a.datagramsOut).toBeGreaterThan(11_000);
  });

  it('gives the same result for the same seed, and another for another', () => {
    const again = runScenario(42);
    expect(again.stats).toEqual(outcome.stats);
    expect(again.acked).toEqual(outcome.acked);
    expect(runScenario(43).stats).not.toEqual(outcome.stats);
  });
});
