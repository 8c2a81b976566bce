import { lastValueFrom } from 'rxjs';
import { Client } from '../../lib/client/client';
import { SHUTDOWN_WORD } from '../../lib/protocol/constants';
import { decodeServerPackage } from '../../lib/protocol/decode';
import { encodeClientPackage } from '../../lib/protocol/encode';
import type { GameEvent } from '../../lib/protocol/packages';
import { AMPLIFICATION_LIMIT } from '../../lib/server/addressCheck';
import { Server } from '../../lib/server/server';
import { createGameState } from '../../lib/state/gameState';
import type { GameState } from '../../lib/state/gameState';
import { TestWorld } from '../../lib/testing/testWorld';
import type { Transport } from '../../lib/transport/datagram';
import { bindUdp } from '../../lib/transport/udpTransport';
import type { Arena } from '../helpers/world';
import { arena, world } from '../helpers/world';

const SERVER = { host: 'server', port: 7000 };

/** A PyGaSe client package, acking `ack` (and what `ackBitfield` says), with `events`. */
function pygasePackage(
  sequence: number,
  ack = 0,
  events: GameEvent[] = [],
  ackBitfield = 0,
): Uint8Array {
  return encodeClientPackage({ header: { sequence, ack, ackBitfield }, timeOrder: 0, events });
}

/** What an address receives: datagrams and bytes, and the sequence numbers of server packages. */
function record(transport: Transport) {
  const seen = { datagrams: 0, bytes: 0, sequences: [] as number[] };
  transport.datagrams$.subscribe(({ data }) => {
    seen.datagrams++;
    seen.bytes += data.length;
    seen.sequences.push(decodeServerPackage(data).header.sequence);
  });
  return seen;
}

/**
 * PyGaSe's packages carry no token: anyone can send one in another's name. The server answers an
 * address that sent PyGaSe packages with no more bytes than it sent until the address acks a
 * package, which only who receives them can do (the first sequence number is random).
 */
describe('PyGaSe clients, whose address the server cannot take on trust', () => {
  it('sends a spoofed address no more bytes than were sent in its name, and takes nothing from it', async () => {
    const { server, machine, network, pass } = world();
    await server.run(7000, 'server', machine);
    const moves: unknown[] = [];
    server.registerEventHandler('MOVE', (_payload, { args }) => moves.push(args));
    const connected: unknown[] = [];
    server.connected$.subscribe((client) => connected.push(client));
    // The victim never answers: whoever sends in its name does not see what it gets.
    const victim = network.bind({ host: 'victim' });
    const got = record(victim);
    let sent = 0;
    const spoof = (data: Uint8Array): void => {
      sent += data.length;
      victim.send({ data, address: SERVER });
    };
    const move = (n: number): GameEvent => ({ type: 'MOVE', args: ['victim', n], kwargs: {} });
    // Packages that ack nothing, with events and shutdown words: the server answers within what
    // it got.
    for (let sequence = 1; sequence <= 40; sequence++) {
      spoof(pygasePackage(sequence, 0, [move(sequence)]));
      spoof(SHUTDOWN_WORD);
      await pass(25);
    }
    expect(got.bytes).toBeGreaterThan(0);
    expect(got.bytes).toBeLessThanOrEqual(AMPLIFICATION_LIMIT * sent);
    expect(server.stats.withheld).toBeGreaterThan(0);
    // Guessed acks, with the bitfield full: one that misses ends the connection, events and all.
    for (let guess = 1; guess <= 40; guess++) {
      spoof(pygasePackage(100 + guess, guess * 1000, [move(100 + guess)], 0xffffffff));
      await pass(25);
    }
    await pass(2000);
    expect(got.bytes).toBeLessThanOrEqual(AMPLIFICATION_LIMIT * sent);
    expect(server.stats.unverifiedClosed).toBeGreaterThan(0);
    // Never a client: not reported, not the host, its events not handled, its shutdown refused.
    expect(connected).toEqual([]);
    expect(server.hostClient).toBeUndefined();
    expect(moves).toEqual([]);
    expect(server.address).toBeDefined();
    // Silent for 5 s, it is gone, and nothing more went to it.
    await pass(5000);
    expect(server.connections.size).toBe(0);
    expect(got.bytes).toBeLessThanOrEqual(AMPLIFICATION_LIMIT * sent);
    await server.shutdown();
  });

  it('takes a PyGaSe client once it acks: reported, host if there is none, its early events handled then', async () => {
    const { server, machine, network, pass } = world();
    await server.run(7000, 'server', machine);
    const moves: unknown[] = [];
    server.registerEventHandler('MOVE', (_payload, { args }) => moves.push(args));
    const connected: unknown[] = [];
    server.connected$.subscribe(({ protocol, host }) => connected.push({ protocol, host }));
    // A PyGaSe client by hand: a MOVE in its first package, then packages that ack nothing.
    const old = network.bind({ host: 'old' });
    const got = record(old);
    const move: GameEvent = { type: 'MOVE', args: ['old', 7], kwargs: {} };
    old.send({ data: pygasePackage(1, 0, [move]), address: SERVER });
    let sequence = 1;
    while (got.sequences.length === 0 && sequence < 100) {
      await pass(25);
      old.send({ data: pygasePackage(++sequence), address: SERVER });
    }
    await pass(25);
    expect(got.sequences.length).toBeGreaterThan(0);
    expect(moves).toEqual([]);
    expect(connected).toEqual([]);
    // Its ack of what it got shows the address is its own.
    old.send({ data: pygasePackage(sequence + 1, got.sequences[0]), address: SERVER });
    await pass(25);
    expect(connected).toEqual([{ protocol: 'pygase', host: true }]);
    expect(moves).toEqual([['old', 7]]);
    // Verified, it gets what it needs, however little it sends.
    const before = got.datagrams;
    await pass(500);
    expect(got.datagrams - before).toBeGreaterThan(10);
    // As the host, its shutdown word is honoured.
    old.send({ data: SHUTDOWN_WORD, address: SERVER });
    await pass(25);
    expect(server.address).toBeUndefined();
  });

  it('takes only an ack of a package sent to the address, never the bitfield, and drops a miss', async () => {
    const { server, machine, network, pass } = world();
    await server.run(7000, 'server', machine);
    const moves: unknown[] = [];
    server.registerEventHandler('MOVE', (_payload, { args }) => moves.push(args));
    const victim = network.bind({ host: 'victim' });
    const got = record(victim);
    let sequence = 0;
    while (got.sequences.length === 0 && sequence < 100) {
      victim.send({ data: pygasePackage(++sequence), address: SERVER });
      await pass(25);
    }
    // The newest package that went out (nothing is reordered here), and the ack one past it, the
    // bitfield covering it: a guess that missed.
    const sent = got.sequences[got.sequences.length - 1] as number;
    const move: GameEvent = { type: 'MOVE', args: ['victim', 1], kwargs: {} };
    victim.send({
      data: pygasePackage(sequence + 1, (sent % 0xffff) + 1, [move], 0xffffffff),
      address: SERVER,
    });
    await pass(25);
    expect(server.connections.size).toBe(0);
    expect(server.stats.unverifiedClosed).toBe(1);
    expect(server.hostClient).toBeUndefined();
    expect(moves).toEqual([]);
    await server.shutdown();
  });

  it('lets a real PyGaSe client in while strangers keep every waiting place taken', async () => {
    const { server, machine, network, client, within, pass } = world(undefined, {
      maxClients: 2,
    });
    await server.run(7000, 'server', machine);
    const strangers = ['s1', 's2'].map((host) => network.bind({ host }));
    let sequence = 0;
    const keepUp = (): void => {
      sequence++;
      for (const stranger of strangers) {
        stranger.send({ data: pygasePackage(sequence), address: SERVER });
      }
    };
    keepUp();
    await pass(50);
    expect(server.connections.size).toBe(2);
    const old = client('old', { protocol: 'pygase' });
    const connecting = old.connect(7000, 'server');
    for (let i = 0; i < 8; i++) {
      keepUp();
      await pass(250);
    }
    await within(connecting);
    await pass(100);
    expect(server.hostClient?.host).toBe('old');
    await old.disconnect();
    await server.shutdown();
  });

  it('lets no spoofed PyGaSe address take a real client’s place', async () => {
    const { server, machine, network, client, within, pass } = world(undefined, {
      maxClients: 1,
    });
    await server.run(7000, 'server', machine);
    const strangers = ['s1', 's2', 's3'].map((host) => network.bind({ host }));
    for (const stranger of strangers) stranger.send({ data: pygasePackage(1), address: SERVER });
    await pass(50);
    // Each waits in turn, the newest taking the place of the one that waited longest.
    expect(server.connections.size).toBe(1);
    expect(server.stats.unverifiedClosed).toBe(2);
    const ann = client('ann');
    await within(ann.connect(7000, 'server'));
    expect(ann.isHost).toBe(true);
    await ann.disconnect();
    await server.shutdown();
  });
});

describe('PyGaSe clients over UDP on 127.0.0.1', () => {
  const opened: { close(): unknown }[] = [];
  afterEach(async () => {
    for (const thing of opened.splice(0).reverse()) await thing.close();
  });

  it('gets a socket that never acks no more bytes than it sent, and takes a real PyGaSe client', async () => {
    const { store, machine } = arena();
    const server = new Server(store);
    const { port } = await server.run(0, '127.0.0.1', machine);
    machine.runGameLoop(20);
    opened.push({ close: () => server.shutdown() }, { close: () => machine.stop() });
    const silent = await bindUdp();
    opened.push(silent);
    const got = { datagrams: 0, bytes: 0 };
    silent.datagrams$.subscribe(({ data }) => {
      got.datagrams++;
      got.bytes += data.length;
    });
    let sent = 0;
    const to = { host: '127.0.0.1', port };
    const attempts = (): number =>
      [...server.connections.values()].reduce((sum, c) => sum + c.stats.datagramsOut, 0);
    // Ten packages, each once the server took the one before; then 40 of the server's beats.
    for (let sequence = 1; sequence <= 10; sequence++) {
      const data = pygasePackage(sequence);
      sent += data.length;
      silent.send({ data, address: to });
      await until(() => server.stats.datagramsIn >= sequence);
    }
    await until(() => attempts() >= 40);
    // Everything the server let go has arrived: nothing is in flight to hide an excess.
    const delivered = attempts() - server.stats.withheld;
    await until(() => got.datagrams >= delivered);
    expect(server.stats.withheld).toBeGreaterThan(0);
    expect(got.bytes).toBeLessThanOrEqual(AMPLIFICATION_LIMIT * sent);
    expect(server.hostClient).toBeUndefined();
    // A PyGaSe client proper acks what it gets, and plays.
    const client = new Client<Arena>({ protocol: 'pygase' });
    opened.push({ close: () => client.disconnect() });
    await client.connect(port, '127.0.0.1');
    await lastValueFrom(client.dispatchEvent('JOIN', ['old'], {}, { retries: 5 }), {
      defaultValue: 0,
    });
    await client.waitUntil((state) => state.players.old !== undefined);
    await until(() => server.hostClient !== undefined);
    expect(server.hostClient?.port).not.toBe(silent.address.port);
  });
  it("drops a flood in a PyGaSe client's name over its budget, but does not kick it for it: without a token the flood may be another's", async () => {
    const budget = {
      packagesPerSecond: 20,
      packageBurst: 10,
      eventsPerSecond: 32768,
      eventBurst: 4096,
      floodSeconds: 2,
    };
    const { server, machine, client, transports, pass, within } = world(undefined, {
      rateLimit: false,
      sessionBudget: budget,
    });
    await server.run(7000, 'server', machine);
    const disconnected: string[] = [];
    server.disconnected$.subscribe(({ reason }) => disconnected.push(reason));
    const old = client('old', { protocol: 'pygase' });
    await within(old.connect(7000, 'server'));
    // Someone sends 200 packages a second in its name, from its address, for 4 s.
    const own = transports.get('old')!;
    for (let i = 0; i < 800; i++) {
      own.send({ data: pygasePackage(1000 + i), address: SERVER });
      if (i % 10 === 9) await pass(50);
    }
    await pass(500);
    const connection = [...server.connections.values()][0]!;
    expect(connection.stats.overBudget).toBeGreaterThan(400);
    expect(disconnected).toEqual([]);
    expect(server.connections.size).toBe(1);
    await old.disconnect();
  });
});

/** Resolves once `condition` holds, looking every few milliseconds; fails after 5 s. */
async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 5) {
    if (waited > 5000) throw new Error('the condition did not come to hold in 5 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('a PyGaSe client joining a game whose state grows', () => {
  it('is sent the whole state though it grows faster than what the client sends', async () => {
    // An entity a tick, some 1,100 bytes a second: more than a PyGaSe client's 40 packages.
    type Growing = GameState<{ entities: Record<string, { x: number; y: number }> }>;
    const world = await TestWorld.start<Growing>({
      initialState: createGameState({ entities: {} }) as Growing,
      timeStep: (state) => ({
        entities: { [`e${Object.keys(state.entities).length}`]: { x: 0.5, y: 0.5 } },
      }),
      tickMs: 25,
    });
    try {
      const old = await world.connect('old', { protocol: 'pygase' });
      expect(world.now).toBeLessThan(1000);
      await world.until(old, (state) => Object.keys(state.entities).length >= 60);
      expect(world.server.stats.clients).toBe(1);
    } finally {
      await world.shutdown();
    }
  });
});
