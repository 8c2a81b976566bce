import { Subject, config, firstValueFrom, lastValueFrom, merge, toArray } from 'rxjs';
import { GameStateMachine } from '../../lib/game/gameStateMachine';
import { TO_DELETE } from '../../lib/state/toDelete';
import { TestWorld } from '../../lib/testing/index';
import { arena, world } from '../helpers/world';

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

  it('closes every connection at once when its transport fails', async () => {
    const failure = new Subject<never>();
    const { server, machine, client, within } = world(undefined, {}, (transport) => ({
      ...transport,
      datagrams$: merge(transport.datagrams$, failure),
    }));
    const unhandled: unknown[] = [];
    const onUnhandledError = config.onUnhandledError;
    config.onUnhandledError = (error) => unhandled.push(error);
    try {
      await server.run(7000, 'server', machine);
      const ann = client('ann');
      await within(ann.connect(7000, 'server'));
      const gone = firstValueFrom(server.disconnected$);
      failure.error(new Error('the socket is gone'));
      expect(await gone).toMatchObject({ client: { host: 'ann' }, reason: 'error' });
      expect(server.connections.size).toBe(0);
      // The server takes the failure itself (on errors$, see transportErrors.spec): nothing is
      // left for RxJS to report as unhandled, on a timer.
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(unhandled).toEqual([]);
      await server.shutdown();
      await ann.disconnect();
    } finally {
      config.onUnhandledError = onUnhandledError;
    }
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

  it('sends a state too big for a package as a block, and refuses one over maxMessageSize saying why', async () => {
    const { server, machine, store, client, within } = world();
    store.pushUpdate({ time_order: 1, huge: 'x'.repeat(70_000) });
    await server.run(7000, 'server', machine);
    const ann = client('ann');
    await within(ann.connect(7000, 'server', 1000));
    expect(ann.state).toMatchObject({ huge: 'x'.repeat(70_000) });
    await ann.disconnect();
    store.pushUpdate({ time_order: 2, huge: 'x'.repeat(1024 * 1024) });
    const bob = client('bob');
    await expect(within(bob.connect(7000, 'server', 3000))).rejects.toMatchObject({
      code: 'ERR_CONNECTION_REFUSED',
      reason: 'state too large',
    });
    expect(server.stats.encodeFailures).toBeGreaterThan(0);
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
    const world = await TestWorld.start({
      stateMachine: (scheduler) => arena(scheduler),
      network: { latencyMs: 100, jitterMs: 40, loss: 0.1, duplicate: 0.1 },
    });
    const names = ['ann', 'bob', 'cy'];
    const players = [];
    for (const name of names) players.push(await world.connect(name));
    for (const [i, player] of players.entries()) {
      await world.settle(player.dispatchEvent('JOIN', [names[i]], {}, { retries: 5 }));
    }
    for (let x = 1; x <= 5; x++) {
      for (const [i, player] of players.entries()) {
        await world.settle(player.dispatchEvent('MOVE', [names[i], x], {}, { retries: 5 }));
      }
    }
    for (const player of players) {
      await world.until(
        player,
        (s) =>
          Object.values(s.players).every((p) => p.x === 5) && Object.keys(s.players).length === 3,
      );
      expect(player.state.players).toEqual(world.state.players);
    }
    await world.shutdown();
  });
});
