import { createGameState, seededRandom } from '../../lib/index';
import type { GameState, NoEvents } from '../../lib/index';
import { MsgpackEncoder } from '../../lib/protocol/msgpackEncoder';
import { TestWorld } from '../../lib/testing/index';
import type { Result } from '../measure';

/** Entities in the world, and the share of them that move each tick. */
const ENTITIES = 200;
const MOVED_PER_TICK = ENTITIES / 10;
/** The game's tick, and how long the clients' bytes are counted, in virtual time. */
const TICK_MS = 25;
/** The world grows by one entity a tick, as a package must carry a joining client's whole state. */
const GROWTH_MS = ENTITIES * TICK_MS;
const WARMUP_MS = 1000;

type World = GameState<{ entities: Record<string, { x: number; y: number }> }>;

const msgpack = new MsgpackEncoder();

/**
 * state.bytes_per_moved_entity and state.pygase_bytes_per_moved_entity: a world of 200 entities
 * where a tenth of them (a fresh random tenth each tick) change `x` and `y` every 25 ms tick; what
 * the server sends an rxgase client (and a PyGaSe one) over the measured span, in whole
 * datagrams, divided by the entity moves the game made in it. The baseline is the whole state,
 * encoded, once a tick, over the same moves. The clients join an empty world, which grows by an
 * entity a tick to its 200 first: a state that large does not fit the one package that brings a
 * joining client the whole state. Played by the test kit in virtual time (a real
 * `Server` and real `Client`s over a clean simulated network), so the figure is the same on every
 * run: it counts bytes, not time.
 */
export async function movedEntities(measureMs: number): Promise<Result[]> {
  const random = seededRandom(7);
  const world = await TestWorld.start<World, { toServer: NoEvents; toClient: NoEvents }>({
    initialState: createGameState({ entities: {} }) as World,
    timeStep: (state) => {
      const count = Object.keys(state.entities).length;
      if (count < ENTITIES) return { entities: { [`e${count}`]: { x: 500, y: 500 } } };
      const moved: World['entities'] = {};
      // A tenth of the entities, each once.
      while (Object.keys(moved).length < MOVED_PER_TICK) {
        moved[`e${Math.floor(random() * ENTITIES)}`] = { x: random() * 1000, y: random() * 1000 };
      }
      return { entities: moved };
    },
    tickMs: TICK_MS,
  });
  try {
    const [rxgase, pygase] = await Promise.all([
      world.connect('rxgase'),
      world.connect('pygase', { protocol: 'pygase' }),
    ]);
    await world.advance(GROWTH_MS + WARMUP_MS);
    const before = { rxgase: world.stats(rxgase), pygase: world.stats(pygase) };
    const timeOrder = world.state.time_order;
    await world.advance(measureMs);
    const ticks = world.state.time_order - timeOrder;
    const moves = ticks * MOVED_PER_TICK;
    const bytesIn = (client: typeof rxgase, at: typeof before.rxgase): number =>
      (world.stats(client).client?.bytesIn ?? NaN) - (at.client?.bytesIn ?? NaN);
    const wholeState = ticks * msgpack.encode(world.state, 1 << 20).length;
    const baseline = wholeState / moves;
    const rxgaseBytes = bytesIn(rxgase, before.rxgase) / moves;
    const pygaseBytes = bytesIn(pygase, before.pygase) / moves;
    return [
      {
        name: 'state.bytes_per_moved_entity',
        value: rxgaseBytes,
        unit: 'B',
        baseline,
        ratio: rxgaseBytes / baseline,
      },
      {
        name: 'state.pygase_bytes_per_moved_entity',
        value: pygaseBytes,
        unit: 'B',
        baseline,
        ratio: pygaseBytes / baseline,
      },
    ];
  } finally {
    await world.shutdown();
  }
}
