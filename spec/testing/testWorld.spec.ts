import { firstValueFrom } from 'rxjs';
import {
  Backend,
  GameStateMachine,
  GameStateStore,
  InvalidArgumentError,
  WaitTimeoutError,
  addressKey,
  createGameState,
} from '../../lib/index';
import type { Client, NetworkConditions } from '../../lib/index';
import { TestWorld } from '../../lib/testing/index';
import { FINISH, race } from './race';
import type { Race, RaceEvents } from './race';

/** yojimbo's soak settings: a bad network. */
const BAD: NetworkConditions = { latencyMs: 250, jitterMs: 100, loss: 0.25, duplicate: 0.25 };

/** The state, its clock compared to 5 decimals: floats travel as float32, as in PyGaSe. */
function sameState(state: Race): Race {
  return { ...state, clock: expect.closeTo(state.clock, 5) as number };
}

/** Joins, then moves step by step to the finish, each event acked before the next. */
async function run(
  world: TestWorld<Race, RaceEvents>,
  player: Client<Race, RaceEvents>,
  name: string,
): Promise<void> {
  await world.settle(player.dispatchEvent('JOIN', { name }, { retries: 10 }));
  for (let x = 1; x <= FINISH; x++) {
    await world.settle(player.dispatchEvent('MOVE', { name, x }, { retries: 10 }));
  }
}

describe('TestWorld', () => {
  it('plays a game to the end under 25% loss: every client sees what the server holds', async () => {
    const world = await TestWorld.start({ ...race(), network: BAD, seed: 5 });
    const names = ['ann', 'bob', 'cy'];
    const players = await Promise.all(names.map((name) => world.connect(name)));
    await Promise.all(players.map((player, i) => run(world, player, names[i]!)));
    for (const player of players) {
      await world.until(player, (s) => names.every((name) => s.players[name]?.x === FINISH));
    }
    expect(world.state.players).toEqual({ ann: { x: 5 }, bob: { x: 5 }, cy: { x: 5 } });
    expect(names).toContain(world.state.winner);
    world.gameStateMachine.stop();
    await world.advance(2000); // the last ticks reach everyone
    for (const player of players) expect(player.state).toEqual(sameState(world.state));
    // The network was as bad as asked: packages were lost and duplicated on the way.
    const { client, server } = world.stats(players[0]!);
    expect(client!.timedOut).toBeGreaterThan(0);
    expect(server!.duplicates).toBeGreaterThan(0);
    await world.shutdown();
  });

  it('plays the same way from the same seed, and another way from another', async () => {
    const play = async (seed: number): Promise<string[]> => {
      const world = await TestWorld.start({ ...race(), network: BAD, seed });
      const ann = await world.connect('ann');
      const trace: string[] = [];
      ann.state$.subscribe((s) => trace.push(`${world.now} ${JSON.stringify(s.players)}`));
      await run(world, ann, 'ann');
      await world.advance(500);
      trace.push(JSON.stringify(world.stats(ann)));
      await world.shutdown();
      return trace;
    };
    const first = await play(11);
    expect(first.length).toBeGreaterThan(20);
    expect(await play(11)).toEqual(first);
    expect(await play(12)).not.toEqual(first);
  });

  it('fails a wait that times out with what it waited for and the last state seen', async () => {
    const world = await TestWorld.start(race());
    const ann = await world.connect('ann');
    await world.settle(ann.dispatchEvent('JOIN', { name: 'ann' }));
    const start = world.now;
    const waiting = world.until(ann, (s) => s.winner === 'ann', 2000);
    const error = await waiting.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect(error).toMatchObject({ code: 'ERR_WAIT_TIMEOUT' });
    const { message } = error as WaitTimeoutError;
    expect(message).toMatch(/^client ann saw no state that satisfies \(s\) => s\.winner === 'ann'/);
    expect(message).toContain('within 2000 virtual ms');
    expect(message).toContain('players: { ann: { x: 0 } }, time_order: ');
    expect(message).toContain('winner: null');
    expect(world.now).toBe(start + 2000);
    await world.shutdown();
  });

  it("keeps the predicate's error as the cause, and times out other waits alike", async () => {
    const world = await TestWorld.start(race());
    const ann = await world.connect('ann');
    const waiting = world.until(ann, (s) => s.players.bob!.x > 0, 100);
    await expect(waiting).rejects.toMatchObject({ cause: expect.any(TypeError) });
    await expect(waiting).rejects.toThrow(/the predicate last threw TypeError/);
    await expect(world.until('server', (s) => s.winner !== null, 100)).rejects.toThrow(
      /^the server saw no state that satisfies/,
    );
    await expect(world.until(() => world.clients.length > 1, 100)).rejects.toThrow(
      /^\(\) => world\.clients\.length > 1 did not hold within 100 virtual ms/,
    );
    await expect(world.settle(new Promise(() => undefined), 100)).rejects.toMatchObject({
      code: 'ERR_WAIT_TIMEOUT',
    });
    await world.shutdown();
  });

  it('catches a state that lasts less than a step', async () => {
    // Five ticks in fifty flash: a state that lasts 100 ms, in steps of 500 ms.
    const world = await TestWorld.start({
      stateMachine: (scheduler) => {
        const store = new GameStateStore(createGameState({ tick: 0, flash: false }));
        const timeStep = ({ tick }: { tick: number }) => ({
          tick: tick + 1,
          flash: tick % 50 < 5,
        });
        return { store, machine: new GameStateMachine(store, { timeStep, scheduler }) };
      },
      stepMs: 500,
    });
    const ann = await world.connect('ann');
    const flashed = await world.until(ann, (s) => s.flash);
    expect(flashed.flash).toBe(true);
    expect(ann.state.flash).toBe(false); // gone again by the end of the step
    await world.shutdown();
  });

  it('lets the server see a cut link time out, while the others play on', async () => {
    const world = await TestWorld.start(race());
    const ann = await world.connect('ann');
    const bob = await world.connect('bob');
    const gone = firstValueFrom(world.server.disconnected$);
    world.cutLink(ann);
    await world.settle(bob.dispatchEvent('JOIN', { name: 'bob' }));
    await world.advance(4500);
    expect(world.server.connections.size).toBe(2);
    await world.until(() => world.server.connections.size === 1, 1000);
    expect(await gone).toEqual({ client: world.addressOf(ann), reason: 'timeout' });
    await world.until(bob, (s) => s.players.bob !== undefined);
    // Ann's side falls silent too; once the link is back, she connects again.
    await world.until(() => ann.connection === undefined, 1000);
    world.restoreLink(ann);
    await world.connect(ann);
    expect(ann.state.players).toEqual({ bob: { x: 0 } });
    expect(world.server.connections.size).toBe(2);
    await world.shutdown();
  });

  it('disconnects a client and waits until the server has let it go', async () => {
    const world = await TestWorld.start({ ...race(), network: BAD, seed: 2 });
    const ann = await world.connect('ann');
    const address = addressKey(world.addressOf(ann)!);
    expect(world.server.connections.has(address)).toBe(true);
    await world.disconnect(ann);
    expect(world.server.connections.has(address)).toBe(false);
    expect(world.stats(ann)).toEqual({ client: undefined, server: undefined });
    await world.shutdown();
  });

  it('connects fifty clients over a bad network, each link with its own fate', async () => {
    const world = await TestWorld.start({
      ...race(),
      network: BAD,
      tickMs: 50,
      serverOptions: { maxClients: 50 },
    });
    const names = Array.from({ length: 50 }, (_, i) => `p${i}`);
    const players = await Promise.all(names.map((name) => world.connect(name)));
    await Promise.all(
      players.map((player, i) =>
        world.settle(player.dispatchEvent('JOIN', { name: names[i]! }, { retries: 10 })),
      ),
    );
    world.gameStateMachine.stop();
    await world.advance(2000);
    expect(world.server.connections.size).toBe(50);
    expect(Object.keys(world.state.players)).toHaveLength(50);
    for (const player of players) expect(player.state).toEqual(sameState(world.state));
    const losses = new Set(players.map((player) => world.stats(player).client!.timedOut));
    expect(losses.size).toBeGreaterThan(5);
    await expect(world.connect('one too many')).rejects.toMatchObject({ reason: 'server full' });
    await world.shutdown();
    // Some seconds of wall time for fifty connections, more on a loaded machine.
  }, 60_000);

  it('runs a game given as its own Backend, or its own store and state machine', async () => {
    const { initialState, eventHandlers } = race();
    const ownBackend = await TestWorld.start({
      backend: (options) => new Backend(initialState, () => undefined, eventHandlers, options),
    });
    const viaBackend = await ownBackend.connect('ann');
    await ownBackend.settle(viaBackend.dispatchEvent('JOIN', { name: 'ann' }));
    await ownBackend.until(viaBackend, (s) => s.players.ann !== undefined);
    expect(ownBackend.gameStateMachine).toBe(ownBackend.backend!.gameStateMachine);
    await ownBackend.shutdown();

    const ownMachine = await TestWorld.start({
      stateMachine: (scheduler) => {
        const store = new GameStateStore(createGameState({ ticks: 0 }));
        const machine = new GameStateMachine(store, {
          timeStep: (s) => ({ ticks: s.ticks + 1 }),
          scheduler,
        });
        return { store, machine };
      },
      tickMs: 50,
    });
    await ownMachine.advance(1000);
    // A tick at 0 ms and every 50 ms after: 21 in the first second.
    expect(ownMachine.state.ticks).toBe(21);
    expect(ownMachine.backend).toBeUndefined();
    await ownMachine.shutdown();
  });

  it('fails every wait with what a timer throws, and steps on afterwards', async () => {
    const world = await TestWorld.start(race());
    const ann = await world.connect('ann');
    world.scheduler.schedule(() => {
      throw new Error('a timer broke');
    }, 50);
    const waits = [world.advance(100), world.until(ann, (s) => s.winner !== null)];
    for (const wait of waits) await expect(wait).rejects.toThrow('a timer broke');
    const at = world.now;
    await world.advance(100);
    expect(world.now).toBe(at + 100);
    await world.shutdown();
  });

  it('refuses what it cannot use, at the call', async () => {
    expect(() => new TestWorld({ ...race(), tickMs: 0 })).toThrow(InvalidArgumentError);
    expect(() => new TestWorld({ ...race(), seed: 1.5 })).toThrow(InvalidArgumentError);
    expect(() => new TestWorld({} as never)).toThrow(/initialState, a backend or a stateMachine/);
    const world = await TestWorld.start(race());
    world.client('ann');
    expect(() => world.client('ann')).toThrow(/named ann already/);
    const other = new TestWorld(race()).client('bob');
    expect(() => world.cutLink(other)).toThrow(InvalidArgumentError);
    await expect(world.advance(-1)).rejects.toBeInstanceOf(InvalidArgumentError);
    // A wait of NaN would never end, and leave the clock at NaN for every wait after it.
    await expect(world.until(() => false, NaN)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(world.settle(Promise.resolve(1), NaN)).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    await world.advance(10);
    expect(Number.isFinite(world.now)).toBe(true);
    await expect(world.start()).rejects.toThrow(/runs already/);
    await world.shutdown();
  });

  it('loses nothing on a slow clean link: the handshake and the connection see one network', async () => {
    const world = await TestWorld.start({ ...race(), network: { latencyMs: 100 } });
    const ann = await world.connect('ann');
    await world.advance(2000);
    const server = world.stats(ann).server!;
    // Whatever the server sent (but the last 100 ms, still on its way) came; none timed out.
    expect(server.timedOut).toBe(0);
    expect(world.stats(ann).client!.timedOut).toBe(0);
    await world.shutdown();
  });

  it('gives two clients of one seeded network links of their own', async () => {
    const world = await TestWorld.start({ ...race(), network: { loss: 0.3, seed: 5 } });
    const [ann, bob] = [await world.connect('ann'), await world.connect('bob')];
    await world.advance(3000);
    const lost = (client: Client<Race, RaceEvents>): number => world.stats(client).server!.timedOut;
    expect(lost(ann)).toBeGreaterThan(0);
    expect(lost(ann)).not.toBe(lost(bob));
    await world.shutdown();
  });
});
