import { VirtualAction, VirtualTimeScheduler, firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { GameStateMachine } from '../../lib/backend/gameStateMachine';
import { GameStateStore } from '../../lib/backend/gameStateStore';
import { Client } from '../../lib/client/client';
import type { ClientOptions } from '../../lib/client/client';
import type { GameState } from '../../lib/state/gameState';
import { createGameState } from '../../lib/state/gameState';
import { TO_DELETE } from '../../lib/state/toDelete';
import { Server } from '../../lib/server/server';
import type { Transport } from '../../lib/transport/datagram';
import { MemoryNetwork } from '../../lib/transport/memoryNetwork';
import type { NetworkConditions } from '../../lib/transport/simulateNetwork';
import { simulateNetwork } from '../../lib/transport/simulateNetwork';

type Arena = GameState<{ players: Record<string, { x: number; score?: number }>; round: number }>;

/**
 * A server and clients on an in-memory network in virtual time. Promises (connect, waitUntil)
 * settle between steps of virtual time, so whole sessions run in milliseconds, the same way each
 * time.
 */
function world(conditions?: NetworkConditions) {
  const scheduler = new VirtualTimeScheduler(VirtualAction, Infinity);
  const network = new MemoryNetwork(scheduler);
  let seed = 10;
  const lossy = (transport: Transport): Transport =>
    conditions === undefined
      ? transport
      : {
          ...transport,
          datagrams$: transport.datagrams$.pipe(
            simulateNetwork({ ...conditions, seed: seed++ }, scheduler),
          ),
        };
  const store = new GameStateStore<Arena>(createGameState({ players: {}, round: 1 }) as Arena);
  const machine = new GameStateMachine(store, { timeStep: () => ({}), scheduler });
  machine.registerEventHandler('JOIN', (name: string) => ({
    players: { [name]: { x: 0, score: 0 } },
  }));
  machine.registerEventHandler('MOVE', (name: string, x: number) => ({
    players: { [name]: { x } },
  }));
  machine.registerEventHandler('LEAVE', (name: string) => ({ players: { [name]: TO_DELETE } }));
  const server = new Server(store, {
    scheduler,
    bind: async (port, host) => lossy(network.bind({ host, port: port || 7000 })),
  });
  const client = (name: string, options: ClientOptions = {}): Client<Arena> =>
    new Client<Arena>({
      ...options,
      scheduler,
      bind: async () => lossy(network.bind({ host: name })),
      resolve: async (host) => host,
    });
  /** Lets `ms` of virtual time pass, settling promises as it goes. */
  const pass = async (ms: number): Promise<void> => {
    const until = scheduler.now() + ms;
    while (scheduler.now() < until) {
      scheduler.maxFrames = Math.min(until, scheduler.now() + 5);
      scheduler.flush();
      if (scheduler.actions.length === 0 || scheduler.actions[0]!.delay > scheduler.maxFrames) {
        scheduler.frame = scheduler.maxFrames;
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  /** Awaits a promise while virtual time passes, up to `ms`. */
  const within = async <T>(promise: Promise<T>, ms = 10_000): Promise<T> => {
    let done = false;
    const settled = promise.finally(() => (done = true));
    settled.catch(() => undefined); // handled by whoever awaits what within() returns
    for (let waited = 0; !done && waited < ms; waited += 5) await pass(5);
    return settled;
  };
  return { scheduler, server, machine, store, client, pass, within };
}

describe('server and clients in virtual time', () => {
  it('plays a session: late joiners get every key, events change the state, the host shuts down', async () => {
    const { server, machine, store, client, pass, within } = world();
    await server.run(7000, 'server', machine);
    machine.runGameLoop(20);
    const ann = client('ann');
    await within(ann.connect(7000, 'server'));
    await within(
      lastValueFrom(ann.dispatchEvent('JOIN', ['ann'], {}, { retries: 3 }), { defaultValue: 0 }),
    );
    await within(ann.waitUntil((s) => 'ann' in s.players));
    await within(lastValueFrom(ann.dispatchEvent('MOVE', ['ann', 5]), { defaultValue: 0 }));
    await pass(100);

    const bob = client('bob');
    await within(bob.connect(7000, 'server'));
    // tryTo runs again on each new state while it throws: here, until ann's x is there.
    expect(await within(bob.tryTo((s) => (s.players.ann as { x: number }).x.toFixed(0)))).toBe('5');
    await expect(within(bob.tryTo(() => JSON.parse('{'), 300))).rejects.toMatchObject({
      code: 'ERR_WAIT_TIMEOUT',
      cause: expect.any(SyntaxError),
    });
    expect(bob.state.players).toEqual({ ann: { x: 5, score: 0 } });
    expect(bob.state.round).toBe(1);

    // Ann leaves and joins again: nobody keeps her old score, whatever they missed.
    await within(lastValueFrom(ann.dispatchEvent('LEAVE', ['ann']), { defaultValue: 0 }));
    await within(lastValueFrom(ann.dispatchEvent('JOIN', ['ann']), { defaultValue: 0 }));
    await within(bob.waitUntil((s) => s.players.ann?.x === 0));
    expect(bob.state.players).toEqual(store.getGameState().players);

    const bobHears = firstValueFrom(bob.on('NEWS'));
    const outcomes = await within(
      lastValueFrom(server.dispatchEvent('NEWS', ['round 2']).pipe(toArray())),
    );
    expect(outcomes.map((o) => o.acked)).toEqual([true, true]);
    expect(await within(bobHears)).toEqual({ type: 'NEWS', args: ['round 2'], kwargs: {} });

    const shutDown = server.whenShutDown();
    await within(bob.disconnect({ shutdownServer: true }));
    await pass(200);
    expect(server.address).toBeDefined();
    await within(ann.disconnect({ shutdownServer: true }));
    await within(shutDown);
    expect(server.address).toBeUndefined();
    machine.stop();
    await bob.disconnect();
  });

  it('drops a client that falls silent for 5 s, and takes it back as a new connection', async () => {
    const { server, machine, client, pass, within } = world();
    await server.run(7000, 'server', machine);
    const ann = client('ann');
    await within(ann.connect(7000, 'server'));
    expect(server.connections.size).toBe(1);
    ann.connection?.close(); // the client vanishes without a word
    await pass(4900);
    expect(server.connections.size).toBe(1);
    await pass(200);
    expect(server.connections.size).toBe(0);
    await ann.disconnect();
    const again = client('ann2');
    await within(again.connect(7000, 'server'));
    expect(server.connections.size).toBe(1);
    await again.disconnect();
    await server.shutdown();
  });

  it('keeps a client exact while keys come and go every tick over a slow link', async () => {
    const { scheduler, server, machine, store, client, pass, within } = world({ latencyMs: 30 });
    machine.registerEventHandler('NOOP', () => ({}));
    let round = 0;
    // Each tick adds a key and deletes the one before: what a client holds changes under it.
    const churn = new GameStateMachine(store, {
      timeStep: () => {
        round++;
        return { [`p${round}`]: round, ...(round > 1 && { [`p${round - 1}`]: TO_DELETE }) };
      },
      scheduler,
    });
    await server.run(7000, 'server', churn);
    churn.runGameLoop(20);
    const ann = client('ann');
    await within(ann.connect(7000, 'server'));
    await pass(2000);
    churn.stop();
    await pass(500);
    expect(ann.state).toEqual(store.getGameState());
    await ann.disconnect();
    await server.shutdown();
  });

  it('connects the same client again from scratch, with the whole state', async () => {
    const { server, machine, store, client, pass, within } = world();
    await server.run(7000, 'server', machine);
    machine.runGameLoop(20);
    const ann = client('ann');
    await within(ann.connect(7000, 'server'));
    await within(
      lastValueFrom(ann.dispatchEvent('JOIN', ['ann'], {}, { retries: 3 }), { defaultValue: 0 }),
    );
    await ann.disconnect();
    await pass(6000);
    await within(ann.connect(7000, 'server'));
    expect(ann.state).toEqual(store.getGameState());
    expect(Object.keys(ann.state.players)).toEqual(['ann']);
    machine.stop();
    await ann.disconnect();
    await server.shutdown();
  });

  it('refuses a second connect or run while the first is under way', async () => {
    const { server, machine, client, within } = world();
    const [first, second] = await Promise.allSettled([
      server.run(7000, 'server', machine),
      server.run(7001, 'server', machine),
    ]);
    expect(first.status).toBe('fulfilled');
    expect(second).toMatchObject({ status: 'rejected', reason: { code: 'ERR_INVALID_ARGUMENT' } });
    const ann = client('ann');
    const attempts = Promise.allSettled([ann.connect(7000, 'server'), ann.connect(7000, 'server')]);
    const [a, b] = await within(attempts);
    expect(a.status).toBe('fulfilled');
    expect(b).toMatchObject({ status: 'rejected', reason: { code: 'ERR_INVALID_ARGUMENT' } });
    expect(server.connections.size).toBe(1);
    await ann.disconnect();
    await server.shutdown();
  });

  it('lets a client notice the server is gone, and connect again later', async () => {
    const { server, machine, client, pass, within } = world();
    await server.run(7000, 'server', machine);
    const ann = client('ann');
    await within(ann.connect(7000, 'server'));
    await server.shutdown();
    await pass(5500);
    expect(ann.connection).toBeUndefined();
    await server.run(7000, 'server', machine);
    await within(ann.connect(7000, 'server'));
    expect(ann.connection).toBeDefined();
    await ann.disconnect();
    await server.shutdown();
  });

  it('survives a state too big to send: the client is told why it cannot connect', async () => {
    const { server, machine, store, client, within } = world();
    store.pushUpdate({ time_order: 1, huge: 'x'.repeat(70_000) });
    await server.run(7000, 'server', machine);
    const ann = client('ann');
    await expect(within(ann.connect(7000, 'server', 1000))).rejects.toMatchObject({
      code: 'ERR_WAIT_TIMEOUT',
    });
    const [connection] = [...server.connections.values()];
    expect(connection?.stats.encodeFailures).toBeGreaterThan(0);
    await server.shutdown();
  });

  it('reports an event that cannot arrive as timed out after its retries', async () => {
    const { server, machine, client, pass, within } = world();
    await server.run(7000, 'server', machine);
    const ann = client('ann', { protocol: 'pygase' });
    await within(ann.connect(7000, 'server'));
    await server.shutdown();
    const outcome = lastValueFrom(ann.dispatchEvent('JOIN', ['ann'], {}, { retries: 2 }), {
      defaultValue: 0,
    });
    await expect(within(outcome)).rejects.toMatchObject({ code: 'ERR_ACK_TIMEOUT' });
    await pass(10);
    await ann.disconnect();
  });

  it('keeps clients in sync over a lossy link: 100 ms each way, jitter, 10% loss, duplicates', async () => {
    const { server, machine, store, client, within } = world({
      latencyMs: 100,
      jitterMs: 40,
      loss: 0.1,
      duplicate: 0.1,
    });
    await server.run(7000, 'server', machine);
    machine.runGameLoop(20);
    const players = ['ann', 'bob', 'cy'].map((name) => ({ name, client: client(name) }));
    for (const { client: c } of players) await within(c.connect(7000, 'server'));
    for (const { name, client: c } of players) {
      await within(
        lastValueFrom(c.dispatchEvent('JOIN', [name], {}, { retries: 5 }), { defaultValue: 0 }),
      );
    }
    for (let x = 1; x <= 5; x++) {
      for (const { name, client: c } of players) {
        await within(
          lastValueFrom(c.dispatchEvent('MOVE', [name, x], {}, { retries: 5 }), {
            defaultValue: 0,
          }),
        );
      }
    }
    for (const { client: c } of players) {
      await within(
        c.waitUntil(
          (s) =>
            Object.values(s.players).every((p) => p.x === 5) && Object.keys(s.players).length === 3,
        ),
      );
      expect(c.state.players).toEqual(store.getGameState().players);
    }
    machine.stop();
    for (const { client: c } of players) await c.disconnect();
    await server.shutdown();
  });
});
