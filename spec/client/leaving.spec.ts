import { Subject, filter, take, timer } from 'rxjs';
import { Backend, Client, TRANSPORT_ERROR, createGameState } from '../../lib/index';
import type { ClientStatus, CloseReason, GameState, Transport } from '../../lib/index';
import { ConnectionClosedError, ConnectionRefusedError } from '../../lib/protocol/errors';
import { PACKET_PREFIX_SIZE, PacketKind, isRxgasePacket } from '../../lib/protocol/rxgasePackets';
import { TestWorld } from '../../lib/testing/index';
import type { MemoryNetwork } from '../../lib/transport/memoryNetwork';

/**
 * Transports of `network` for `host`, one for each bind: what they send, how many were bound and
 * how many are still open; the server's data packets dropped while `dropsData`, all it sends
 * while `dropsAll`; each reports on `errors$` what `report` is given.
 */
function counted(
  network: MemoryNetwork,
  host: string,
  drops: { data?: () => boolean; all?: () => boolean } = {},
) {
  const seen = { sent: 0, bound: 0, open: 0 };
  const errors = new Subject<Error>();
  const bind = async (): Promise<Transport> => {
    const transport = network.bind({ host });
    seen.bound++;
    seen.open++;
    let closed = false;
    return {
      get address() {
        return transport.address;
      },
      datagrams$: transport.datagrams$.pipe(
        filter(
          ({ data }) => !(drops.all?.() === true || (drops.data?.() === true && isData(data))),
        ),
      ),
      errors$: errors.asObservable(),
      send: (datagram) => {
        seen.sent++;
        transport.send(datagram);
      },
      close: () => {
        if (!closed) seen.open--;
        closed = true;
        transport.close();
      },
    };
  };
  return { seen, bind, report: (error: Error) => errors.next(error) };
}

function isData(data: Uint8Array): boolean {
  return isRxgasePacket(data) && data[PACKET_PREFIX_SIZE - 1] === PacketKind.Data;
}

/** What a promise came to, without waiting for it. */
function outcomeOf(promise: Promise<unknown>): { value?: string; error?: unknown } {
  const outcome: { value?: string; error?: unknown } = {};
  promise.then(
    () => (outcome.value = 'resolved'),
    (error: unknown) => (outcome.error = error),
  );
  return outcome;
}

describe('a client that leaves while it connects', () => {
  it('stops its handshake at once: connect() fails as closed, and nothing more is sent', async () => {
    const world = await TestWorld.start({ initialState: createGameState({ n: 0 }) });
    const { seen, bind } = counted(world.network, 'zed');
    const zed = new Client({ scheduler: world.scheduler, bind, resolve: async (host) => host });
    const statuses: ClientStatus[] = [];
    zed.status$.subscribe((status) => statuses.push(status));
    // Nobody answers there: the handshake sends its request again and again.
    const connecting = outcomeOf(zed.connect(9, 'nobody', 5000));
    await world.advance(600);
    expect(seen.sent).toBeGreaterThan(1);
    await zed.disconnect();
    await world.advance(1);
    expect(connecting.error).toBeInstanceOf(ConnectionClosedError);
    const sent = seen.sent;
    await world.advance(5000);
    expect(seen.sent).toBe(sent);
    expect(seen.open).toBe(0);
    expect(statuses).toEqual(['disconnected', 'connecting', 'disconnected']);
  });

  it('while it waits for the state: connect() fails at once, and the client connects again', async () => {
    const world = await TestWorld.start({ initialState: createGameState({ n: 7 }) });
    let holdState = true;
    const { bind } = counted(world.network, 'bob', { data: () => holdState });
    const bob = new Client<GameState<{ n: number }>>({
      scheduler: world.scheduler,
      bind,
      resolve: async (host) => host,
    });
    const { host, port } = world.server.address!;
    const first = outcomeOf(bob.connect(port, host, 5000));
    await world.until(() => bob.connection !== undefined, 1000);
    await bob.disconnect();
    await world.advance(1);
    expect(first.error).toBeInstanceOf(ConnectionClosedError);
    expect(bob.currentStatus).toBe('disconnected');
    // At once, not once the first connect's wait would have timed out.
    holdState = false;
    await world.settle(bob.connect(port, host, 5000));
    expect(bob.currentStatus).toBe('connected');
    expect(bob.state.n).toBe(7);
    await bob.disconnect();
  });

  it('as the server accepts it: connect() fails, the server is told, and a new connect goes', async () => {
    const world = await TestWorld.start({ initialState: createGameState({ n: 7 }) });
    const zed = world.client('zed');
    const { host, port } = world.server.address!;
    const first = outcomeOf(zed.connect(port, host, 5000));
    // In the step the accept comes in, before the connect goes on from it.
    timer(1, world.scheduler).subscribe(() => void zed.disconnect());
    await world.advance(10);
    expect(first.error).toBeInstanceOf(ConnectionClosedError);
    expect(zed.connection).toBeUndefined();
    // Told by the farewell, the server holds no connection for it.
    expect(world.server.connections.size).toBe(0);
    await world.settle(zed.connect(port, host, 5000));
    expect(zed.currentStatus).toBe('connected');
    expect(world.server.connections.size).toBe(1);
    await zed.disconnect();
  });

  it('as its state comes in, before connect() returns: it is not connected', async () => {
    const world = await TestWorld.start({ initialState: createGameState({ n: 7 }) });
    const zed = world.client('zed');
    const statuses: ClientStatus[] = [];
    zed.status$.subscribe((status) => statuses.push(status));
    const { host, port } = world.server.address!;
    const first = outcomeOf(zed.connect(port, host, 5000));
    zed.state$
      .pipe(
        filter((state) => state.n === 7),
        take(1),
      )
      .subscribe(() => {
        // A few turns of promises later: the connect's own work is done, its promise not settled.
        void Promise.resolve()
          .then(() => undefined)
          .then(() => zed.disconnect());
      });
    await world.advance(50);
    expect(first.error).toBeInstanceOf(ConnectionClosedError);
    expect(zed.currentStatus).toBe('disconnected');
    expect(zed.connection).toBeUndefined();
    expect(statuses).toEqual(['disconnected', 'connecting', 'disconnected']);
  });

  it('before its socket is bound, over UDP: connect() fails as closed, and the server never hears of it', async () => {
    const backend = new Backend(createGameState({ n: 1 }), () => ({}), {});
    const { port } = await backend.run('127.0.0.1', 0);
    const client = new Client();
    try {
      const statuses: ClientStatus[] = [];
      client.status$.subscribe((status) => statuses.push(status));
      const connecting = client.connect(port, '127.0.0.1');
      await client.disconnect();
      await expect(connecting).rejects.toBeInstanceOf(ConnectionClosedError);
      expect(statuses).toEqual(['disconnected', 'connecting', 'disconnected']);
      expect(backend.server.connections.size).toBe(0);
      // It may connect again, and does.
      await client.connect(port, '127.0.0.1');
      expect(client.currentStatus).toBe('connected');
      expect(backend.server.connections.size).toBe(1);
    } finally {
      await client.disconnect();
      await backend.shutdown();
    }
  });
});

describe('a client that leaves while it reconnects', () => {
  it('stops its attempts at once: no socket stays open, and nothing more is sent', async () => {
    const world = await TestWorld.start({
      initialState: createGameState({ n: 0 }),
      serverOptions: { reconnectGraceMs: 20_000 },
    });
    let cut = false;
    const { seen, bind } = counted(world.network, 'cy', { all: () => cut });
    const cy = new Client({ scheduler: world.scheduler, bind, resolve: async (host) => host });
    const { host, port } = world.server.address!;
    await world.settle(cy.connect(port, host, 5000));
    // The server falls silent: the client's link drops, and it tries to come back, unanswered.
    cut = true;
    await world.until(() => cy.currentStatus === 'reconnecting', 10_000);
    // Its first attempt, on a socket of its own, is under way.
    await world.until(() => seen.bound === 2, 10_000);
    await world.advance(600);
    await cy.disconnect();
    expect(cy.currentStatus).toBe('disconnected');
    // The farewell's wait for an answer, at most a second, is over.
    await world.advance(1100);
    const sent = seen.sent;
    await world.advance(20_000);
    expect(seen.sent).toBe(sent);
    expect(seen.open).toBe(0);
  });
});

describe("a client's transport errors while it connects", () => {
  it('are told on errors$, as once connected', async () => {
    const world = await TestWorld.start({ initialState: createGameState({ n: 0 }) });
    const { bind, report } = counted(world.network, 'di');
    const di = new Client({ scheduler: world.scheduler, bind, resolve: async (host) => host });
    const told: { type: string; error: unknown }[] = [];
    di.errors$.subscribe((error) => told.push(error));
    const connecting = outcomeOf(di.connect(9, 'nobody', 5000));
    await world.advance(10);
    const refused = new Error('send EACCES nobody:9');
    report(refused);
    expect(told).toEqual([{ type: TRANSPORT_ERROR, error: refused }]);
    await di.disconnect();
    await world.advance(1);
    expect(connecting.error).toBeInstanceOf(ConnectionClosedError);
  });
});

describe('a client the server closes right behind its accept', () => {
  it('is refused with the reason over UDP, told on disconnected$, and disconnected', async () => {
    const backend = new Backend(createGameState({ n: 1 }), () => ({}), {});
    const { port } = await backend.run('127.0.0.1', 0);
    // The server kicks each client as it connects: the close follows the accept at once.
    backend.server.connected$.subscribe(({ client }) => backend.server.kick(client));
    const client = new Client();
    const reasons: CloseReason[] = [];
    client.disconnected$.subscribe((reason) => reasons.push(reason));
    try {
      const refused = await client.connect(port, '127.0.0.1').catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(ConnectionRefusedError);
      expect((refused as ConnectionRefusedError).reason).toBe('kicked');
      expect(reasons).toEqual(['kicked']);
      expect(client.currentStatus).toBe('disconnected');
    } finally {
      await client.disconnect();
      await backend.shutdown();
    }
  });

  it('is refused at once in virtual time, not when its wait runs out', async () => {
    const world = await TestWorld.start({ initialState: createGameState({ n: 0 }) });
    world.server.connected$.subscribe(({ client }) => world.server.kick(client));
    const ann = world.client('ann');
    const started = world.now;
    const refused = await world.connect(ann, {}, 5000).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ConnectionRefusedError);
    expect(world.now - started).toBeLessThan(1000);
    expect(ann.currentStatus).toBe('disconnected');
  });
});
