import { SentDictionary } from '../../lib/protocol/sentDictionary';
import { CompactEncoder } from '../../lib/protocol/compactEncoder';
import { createGameState } from '../../lib/state/gameState';
import { TO_DELETE } from '../../lib/state/toDelete';
import type { GameState } from '../../lib/state/gameState';
import { seededRandom } from '../../lib/transport/random';
import { TestWorld } from '../../lib/testing/index';
import type { NoEvents } from '../../lib/index';
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

/** Players enough that the state takes about `kib` KiB as a block carries it. */
function crowd(kib: number): Arena['players'] {
  const count = Math.round((kib * 1024) / 23);
  return Object.fromEntries(
    Array.from({ length: count }, (_, i) => [`player-${i}`, { x: i + 0.5, score: i }]),
  );
}

/** The bytes of the state as a block carries it: its kind, then the compact update. */
function encodedSize(state: object): number {
  const encoder = new CompactEncoder();
  return 1 + encoder.encodeUpdate(state as Arena, new SentDictionary(), 64 << 20).bytes.length;
}

describe('a game state larger than a datagram, to an rxgase client', () => {
  it('joins a 256 KiB state over a clean link in under a second of virtual time', async () => {
    const { server, machine, store, client, within, pass, scheduler } = world();
    store.pushUpdate({ players: crowd(256), time_order: 1 });
    const size = encodedSize(store.getGameState());
    expect(size).toBeGreaterThan(256 * 1024);
    await server.run(7000, 'server', machine);
    const ann = client('ann');
    const started = scheduler.now();
    await within(ann.connect(7000, 'server'));
    expect(scheduler.now() - started).toBeLessThan(1000);
    expect(Object.keys(ann.state.players)).toHaveLength(
      Object.keys(store.getGameState().players).length,
    );
    expect(ann.state).toEqual(store.getGameState());
    // The last ack is taken on the server's next beat.
    await pass(50);
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
    expect(took).toBeLessThan(20_000);
    expect(sent / size).toBeLessThanOrEqual(1.6);
    await server.shutdown();
  });

  it('joins a state of almost 1 MiB within the second its default budget implies, and a second', async () => {
    const { server, machine, store, client, within, scheduler } = world();
    store.pushUpdate({ players: crowd(1000), time_order: 1 });
    const size = encodedSize(store.getGameState());
    expect(size).toBeGreaterThan(0.8 * 1024 * 1024);
    expect(size).toBeLessThan(1024 * 1024);
    await server.run(7000, 'server', machine);
    const ann = client('ann');
    const started = scheduler.now();
    await within(ann.connect(7000, 'server'));
    expect(scheduler.now() - started).toBeLessThan((size / (1024 * 1024)) * 1000 + 1000);
    expect(ann.state).toEqual(store.getGameState());
    await server.shutdown();
  });

  it('keeps every client of a 200-player world converged while 50 players move at 40 Hz', async () => {
    type Field = GameState<{ players: Record<string, { x: number; y: number; name: string }> }>;
    const random = seededRandom(3);
    let moving = true;
    const players: Field['players'] = {};
    for (let i = 0; i < 200; i++) players[`p${i}`] = { x: 0, y: 0, name: `player ${i}` };
    const world = await TestWorld.start<Field, { toServer: NoEvents; toClient: NoEvents }>({
      initialState: createGameState({ players }) as Field,
      timeStep: () => {
        const moved: Record<string, { x: number; y: number }> = {};
        for (let i = 0; moving && i < 50; i++) {
          moved[`p${Math.floor(random() * 200)}`] = { x: random() * 1000, y: random() * 1000 };
        }
        return { players: moved } as Partial<Field>;
      },
      tickMs: 25,
      network: { latencyMs: 40, jitterMs: 10, loss: 0.05 },
      seed: 9,
    });
    try {
      const clients = await Promise.all(['ann', 'bob', 'cat'].map((name) => world.connect(name)));
      let worstLag = 0;
      for (let t = 0; t < 3000; t += 250) {
        await world.advance(250);
        for (const client of clients) {
          const lag = (world.state.time_order - client.state.time_order + 0x10000) % 0x10000;
          // From the second half-second on: the join's own block is the join's time.
          if (t >= 500) worstLag = Math.max(worstLag, lag);
        }
      }
      // A round trip of 80 to 100 ms: an update past one datagram goes as a block, acked before
      // the next; behind by a few round trips at most, never lost (20 ticks is half a second).
      expect(worstLag).toBeLessThan(20);
      moving = false;
      await world.advance(1000);
      // Floats travel as float32, as PyGaSe sends them.
      const sent = Object.fromEntries(
        Object.entries(world.state.players).map(([id, { x, y, name }]) => [
          id,
          { x: Math.fround(x), y: Math.fround(y), name },
        ]),
      );
      for (const client of clients) {
        expect(client.state.players).toEqual(sent);
      }
    } finally {
      await world.shutdown();
    }
  }, 60_000);

  it('replaces the state of a client whose block outlived the server’s memory of it, deletions included', async () => {
    const { server, machine, store, client, within, pass } = world(BAD_NETWORK);
    store.pushUpdate({ players: crowd(64), round: 1, time_order: 1 });
    store.pushUpdate({ ghost: 'here', time_order: 2 } as never);
    await server.run(7000, 'server', machine);
    const ann = client('ann');
    const joined = ann.connect(7000, 'server', 30_000);
    // Until the block is on its way (the client acked a package, slices went out).
    while ((server.connections.values().next().value?.stats.slicesOut ?? 0) === 0) await pass(25);
    expect(server.connections.values().next().value?.stats.blocksOut).toBe(0);
    // While the block travels, the ghost goes and 150 updates follow: the store (100 updates)
    // forgets the state the block brings.
    store.pushUpdate({ ghost: TO_DELETE, time_order: 3 } as never);
    for (let t = 4; t < 154; t++) store.pushUpdate({ round: t, time_order: t });
    await within(joined, 30_000);
    await pass(5000);
    expect(ann.state).not.toHaveProperty('ghost');
    expect(ann.state).toEqual(store.getGameState());
    await server.shutdown();
  });

  it('closes a client sent a block over its own maxMessageSize, telling why, instead of taking slices for ever', async () => {
    const { server, machine, store, client, within } = world(undefined, {
      maxMessageSize: 2 * 1024 * 1024,
    });
    store.pushUpdate({ players: crowd(1500), time_order: 1 });
    await server.run(7000, 'server', machine);
    const ann = client('ann');
    await expect(within(ann.connect(7000, 'server'))).rejects.toMatchObject({
      code: 'ERR_CONNECTION_REFUSED',
      reason: 'state too large',
    });
    await server.shutdown();
  });
});
