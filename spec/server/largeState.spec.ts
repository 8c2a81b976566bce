import { encodeLargeUpdate } from '../../lib/protocol/encode';
import { MAX_DATAGRAM_SIZE } from '../../lib/protocol/rxgaseConstants';
import type { NetworkConditions } from '../../lib/transport/simulateNetwork';
import { world } from '../helpers/world';
import type { Arena } from '../helpers/world';

/** yojimbo's bad network, each way: 250 ms latency, 100 ms jitter, 25% loss, 25% duplicates. */
const BAD_NETWORK: NetworkConditions = {
  latencyMs: 250,
  jitterMs: 100,
  loss: 0.25,
  duplicate: 0.25,
};

/** Players enough that the state takes about `kib` KiB encoded. */
function crowd(kib: number): Arena['players'] {
  const count = Math.round((kib * 1024) / 29);
  return Object.fromEntries(
    Array.from({ length: count }, (_, i) => [`player-${i}`, { x: i + 0.5, score: i }]),
  );
}

/** The bytes of the state as a block carries it. */
function encodedSize(state: object): number {
  return encodeLargeUpdate(state as Arena, 64 * 1024 * 1024).length;
}

describe('a game state larger than a datagram, to an rxgase client', () => {
  it('joins a 256 KiB state over a clean link in under a second of virtual time', async () => {
    const { server, machine, store, client, within, scheduler } = world();
    store.pushUpdate({ players: crowd(256), time_order: 1 });
    const size = encodedSize(store.getGameState());
    expect(size).toBeGreaterThan(250 * 1024);
    await server.run(7000, 'server', machine);
    const ann = client('ann');
    const started = scheduler.now();
    await within(ann.connect(7000, 'server'));
    expect(scheduler.now() - started).toBeLessThan(1000);
    expect(Object.keys(ann.state.players)).toHaveLength(
      Object.keys(store.getGameState().players).length,
    );
    expect(ann.state).toEqual(store.getGameState());
    const stats = server.connections.values().next().value?.stats;
    expect(stats?.blocksOut).toBe(1);
    expect(stats?.sliceResends).toBe(0);
    await server.shutdown();
  });

  it('joins a 256 KiB state over a bad network within 20 s, sending at most 1.6x its size', async () => {
    const { server, machine, store, client, within, scheduler } = world(BAD_NETWORK);
    store.pushUpdate({ players: crowd(256), time_order: 1 });
    const size = encodedSize(store.getGameState());
    await server.run(7000, 'server', machine);
    const ann = client('ann');
    const started = scheduler.now();
    await within(ann.connect(7000, 'server', 30_000), 30_000);
    const took = scheduler.now() - started;
    expect(ann.state).toEqual(store.getGameState());
    const stats = server.connections.values().next().value?.stats;
    const sent = (stats?.slicesOut ?? 0) * MAX_DATAGRAM_SIZE;
    console.log(
      `bad network: ${took} ms, ${(sent / size).toFixed(2)}x, resends ${stats?.sliceResends}`,
    );
    expect(took).toBeLessThan(20_000);
    expect(sent / size).toBeLessThanOrEqual(1.6);
    await server.shutdown();
  });
});
