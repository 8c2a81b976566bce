import { Subject, firstValueFrom, lastValueFrom, take, toArray } from 'rxjs';
import { GameStateMachine } from '../../lib/game/gameStateMachine';
import { GameStateStore } from '../../lib/game/gameStateStore';
import { Client } from '../../lib/client/client';
import type { GameState } from '../../lib/state/gameState';
import { GameStatus, createGameState } from '../../lib/state/gameState';
import { Server } from '../../lib/server/server';
import { silentLogger } from '../../lib/util/logger';

type Quickstart = GameState<{ foo: number; bar: number }>;

/** PyGaSe's quickstart backend: foo grows by bar per second; SET_BAR and RESET_FOO. */
function quickstart() {
  const store = new GameStateStore<Quickstart>(
    createGameState({ foo: 0.0, bar: 0.5 }) as Quickstart,
  );
  const machine = new GameStateMachine(store, {
    timeStep: (state, dt) => ({ foo: state.foo + state.bar * dt }),
  });
  machine.registerEventHandler('SET_BAR', ({ new_bar }) => ({ bar: new_bar as number }));
  machine.registerEventHandler('RESET_FOO', () => ({ foo: 0.0 }));
  const warnings = new Subject<string>();
  const logger = { ...silentLogger, warn: (message: string) => warnings.next(message) };
  const server = new Server(store, { logger });
  return { store, machine, server, warnings };
}

describe('a quickstart backend and its clients over real UDP on 127.0.0.1', () => {
  const clients: Client<Quickstart>[] = [];
  const backend = quickstart();
  let port: number;

  beforeAll(async () => {
    ({ port } = await backend.server.run(0, '127.0.0.1', backend.machine));
    backend.machine.runGameLoop(20);
  });

  afterAll(async () => {
    backend.machine.stop();
    for (const client of clients) await client.disconnect();
    await backend.server.shutdown();
  });

  const connect = async (): Promise<Client<Quickstart>> => {
    const client = new Client<Quickstart>();
    clients.push(client);
    await client.connect(port, '127.0.0.1');
    return client;
  };

  it('connects, and has the whole state at once', async () => {
    const client = await connect();
    expect(client.state).toMatchObject({ bar: 0.5, game_status: GameStatus.Active });
    expect(typeof client.state.foo).toBe('number');
    expect(backend.server.connections.size).toBe(1);
  });

  it('changes the state with events, acked', async () => {
    const client = clients[0] as Client<Quickstart>;
    await lastValueFrom(client.dispatchEvent('SET_BAR', [], { new_bar: 2 }, { retries: 3 }), {
      defaultValue: undefined,
    });
    const state = await client.waitUntil((s) => s.bar === 2);
    expect(state.bar).toBe(2);
    await lastValueFrom(client.dispatchEvent('RESET_FOO', [], {}, { retries: 3 }), {
      defaultValue: undefined,
    });
    await client.waitUntil((s) => s.foo < 0.5);
    expect(backend.store.getGameState().bar).toBe(2);
  });

  it('gives a client joining late every key', async () => {
    const late = await connect();
    expect(Object.keys(late.state).sort()).toEqual(['bar', 'foo', 'game_status', 'time_order']);
    expect(late.state.bar).toBe(2);
    expect(backend.server.connections.size).toBe(2);
  });

  it('sends server events to one client and to all, with acks', async () => {
    const [first, second] = clients as [Client<Quickstart>, Client<Quickstart>];
    const firstHears = firstValueFrom(first.on('HELLO').pipe(take(2), toArray()));
    const secondHears = firstValueFrom(second.on('HELLO'));
    const target = [...backend.server.connections.values()][0]!.remote;
    const one = await lastValueFrom(
      backend.server.dispatchEvent('HELLO', ['you'], {}, { targetClient: target }).pipe(toArray()),
    );
    expect(one).toEqual([{ client: target, acked: true }]);
    const all = await lastValueFrom(
      backend.server.dispatchEvent('HELLO', ['all'], { n: 1 }).pipe(toArray()),
    );
    expect(all.map((outcome) => outcome.acked)).toEqual([true, true]);
    expect((await firstHears).map((e) => e.args[0])).toEqual(['you', 'all']);
    expect(await secondHears).toEqual({ type: 'HELLO', args: ['all'], kwargs: { n: 1 } });
  });

  it('refuses a shutdown from a client that is not the host, and honours the host', async () => {
    const [host, guest] = clients as [Client<Quickstart>, Client<Quickstart>];
    const shutDown = backend.server.whenShutDown();
    const refused = firstValueFrom(backend.warnings);
    await guest.disconnect({ shutdownServer: true });
    expect(await refused).toMatch(/without the host's token: refused/);
    expect(backend.server.address).toBeDefined();
    await host.disconnect({ shutdownServer: true });
    await shutDown;
    expect(backend.server.address).toBeUndefined();
  });

  it('tells an rxgase client the server shut down: its pending event fails at once', async () => {
    const other = quickstart();
    const { port: otherPort } = await other.server.run(0, '127.0.0.1', other.machine);
    const client = new Client<Quickstart>();
    clients.push(client);
    await client.connect(otherPort, '127.0.0.1');
    const reason = firstValueFrom(client.disconnected$);
    const outcome = lastValueFrom(client.dispatchEvent('SET_BAR', [], { new_bar: 3 }), {
      defaultValue: 0,
    });
    await other.server.shutdown();
    expect(await reason).toBe('shutdown');
    await expect(outcome).rejects.toMatchObject({ code: 'ERR_CONNECTION_CLOSED' });
    expect(client.connection).toBeUndefined();
  });

  it('tells a PyGaSe client its event timed out when the server is gone', async () => {
    const other = quickstart();
    const { port: otherPort } = await other.server.run(0, '127.0.0.1', other.machine);
    const client = new Client<Quickstart>({ protocol: 'pygase' });
    clients.push(client);
    await client.connect(otherPort, '127.0.0.1');
    await other.server.shutdown();
    const outcome = lastValueFrom(client.dispatchEvent('SET_BAR', [], { new_bar: 3 }), {
      defaultValue: 0,
    });
    await expect(outcome).rejects.toMatchObject({ code: 'ERR_ACK_TIMEOUT' });
  });

  it('runs again after a shutdown, for new clients', async () => {
    ({ port } = await backend.server.run(0, '127.0.0.1', backend.machine));
    const client = await connect();
    expect(client.state.bar).toBe(2);
  });
});
