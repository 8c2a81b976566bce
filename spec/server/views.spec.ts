import { lastValueFrom } from 'rxjs';
import { Client } from '../../lib/client/client';
import { pygaseHandler } from '../../lib/connection/eventHandlers';
import { GameStateMachine } from '../../lib/game/gameStateMachine';
import { GameStateStore } from '../../lib/game/gameStateStore';
import { CompactDecoder } from '../../lib/protocol/compactDecoder';
import { decodeCompactServerPackage, decodeServerPackage } from '../../lib/protocol/decode';
import { decodeRxgasePacket, isRxgasePacket } from '../../lib/protocol/rxgasePackets';
import { Server } from '../../lib/server/server';
import type { ServerOptions } from '../../lib/server/serverOptions';
import { Views } from '../../lib/server/views';
import type { ViewClient } from '../../lib/server/views';
import type { GameState } from '../../lib/state/gameState';
import { createGameState } from '../../lib/state/gameState';
import { TO_DELETE } from '../../lib/state/toDelete';
import { addressKey } from '../../lib/transport/datagram';
import { MemoryNetwork } from '../../lib/transport/memoryNetwork';
import type { NetworkConditions } from '../../lib/transport/simulateNetwork';
import { SimulationScheduler } from '../../lib/transport/simulationScheduler';
import { lossyLinks, virtualTime } from '../helpers/world';

/** Each player's hand of cards; the secret goes to the player whose turn it is. */
type Cards = GameState<{
  hands: Record<string, Record<string, string>>;
  turn: string;
  secret: string;
}>;

/** A player sees its own hand (players are named by their host), and the secret on its turn. */
const ownHand = (state: Cards, { address }: ViewClient): Partial<Cards> => ({
  hands: { [address.host]: state.hands[address.host] ?? {} },
  turn: state.turn,
  ...(state.turn === address.host && { secret: state.secret }),
});

/** Card games in virtual time, every datagram the server sends recorded by receiver. */
function cardTable(serverOptions: ServerOptions<Cards>, conditions?: NetworkConditions) {
  const scheduler = new SimulationScheduler();
  const network = new MemoryNetwork(scheduler);
  const lossy = lossyLinks(scheduler, conditions, 3);
  const store = new GameStateStore<Cards>(
    createGameState({
      hands: {
        ann: { a1: 'HIDDEN-ann-1', a2: 'HIDDEN-ann-2' },
        bob: { b1: 'HIDDEN-bob-1' },
        cat: { c1: 'HIDDEN-cat-1' },
      },
      turn: 'ann',
      secret: 'HIDDEN-secret',
    }) as Cards,
  );
  const machine = new GameStateMachine(store, { timeStep: () => ({}), scheduler });
  machine.registerEventHandler(
    'GIVE',
    pygaseHandler((from: string, to: string, card: string) => {
      const value = store.getGameState().hands[from]?.[card];
      return { hands: { [from]: { [card]: TO_DELETE }, [to]: { [card]: value } } };
    }),
  );
  machine.registerEventHandler(
    'TURN',
    pygaseHandler((to: string) => ({ turn: to })),
  );
  const sent = new Map<string, Uint8Array[]>();
  const server = new Server(store, {
    ...serverOptions,
    scheduler,
    bind: async (port, host) => {
      const transport = lossy(network.bind({ host, port }));
      return {
        ...transport,
        send: (datagram) => {
          const key = datagram.address.host;
          sent.set(key, [...(sent.get(key) ?? []), datagram.data]);
          transport.send(datagram);
        },
      };
    },
  });
  const client = (name: string, protocol: 'rxgase' | 'pygase' = 'rxgase'): Client<Cards> =>
    new Client<Cards>({
      protocol,
      scheduler,
      bind: async () => lossy(network.bind({ host: name })),
      resolve: async (host) => host,
    });
  const { pass, within } = virtualTime(scheduler);
  const start = async (): Promise<void> => {
    await server.run(7000, 'server', machine);
    machine.runGameLoop(20);
  };
  const stop = async (...clients: Client<Cards>[]): Promise<void> => {
    for (const each of clients) await each.disconnect();
    machine.stop();
    await server.shutdown();
  };
  return { store, machine, server, sent, client, pass, within, start, stop };
}

/**
 * The game-state updates in the datagrams sent one client, in the order sent, of either protocol;
 * handshakes and closes carry none. An rxgase client's are compact: read with one dictionary.
 */
function updatesIn(datagrams: readonly Uint8Array[]): unknown[] {
  const compact = new CompactDecoder();
  return datagrams.flatMap((data) => {
    if (!isRxgasePacket(data)) return [decodeServerPackage(data).update];
    const packet = decodeRxgasePacket(data);
    if (packet.kind !== 'data') return [];
    return [decodeCompactServerPackage(packet.package, compact).update];
  });
}

const as = (host: string): ViewClient => ({
  key: `${host}:1`,
  address: { host, port: 1 },
  protocol: 'rxgase',
});

const MARKERS = ['HIDDEN-ann-1', 'HIDDEN-ann-2', 'HIDDEN-bob-1', 'HIDDEN-cat-1', 'HIDDEN-secret'];

describe('per-client views', () => {
  it('gives each player its own hand; a card given moves from one view to the other', async () => {
    const table = cardTable({ view: ownHand });
    await table.start();
    const ann = table.client('ann');
    const bob = table.client('bob');
    await table.within(ann.connect(7000, 'server'));
    await table.within(bob.connect(7000, 'server'));
    await table.within(ann.waitUntil((s) => s.hands.ann !== undefined));
    await table.within(bob.waitUntil((s) => s.hands.bob !== undefined));
    expect(ann.state.hands).toEqual({ ann: { a1: 'HIDDEN-ann-1', a2: 'HIDDEN-ann-2' } });
    expect(bob.state.hands).toEqual({ bob: { b1: 'HIDDEN-bob-1' } });
    expect(ann.state.secret).toBe('HIDDEN-secret');
    expect('secret' in bob.state).toBe(false);

    await table.within(
      lastValueFrom(ann.dispatchEvent('GIVE', ['ann', 'bob', 'a2']), { defaultValue: 0 }),
    );
    await table.within(bob.waitUntil((s) => s.hands.bob?.a2 !== undefined));
    await table.within(ann.waitUntil((s) => s.hands.ann?.a2 === undefined));
    expect(ann.state.hands).toEqual({ ann: { a1: 'HIDDEN-ann-1' } });
    expect(bob.state.hands).toEqual({ bob: { b1: 'HIDDEN-bob-1', a2: 'HIDDEN-ann-2' } });

    // The secret leaves ann's view though the state keeps it, and enters bob's.
    await table.within(lastValueFrom(ann.dispatchEvent('TURN', ['bob']), { defaultValue: 0 }));
    await table.within(bob.waitUntil((s) => s.secret === 'HIDDEN-secret'));
    await table.within(ann.waitUntil((s) => !('secret' in s)));
    expect(table.store.getGameState().secret).toBe('HIDDEN-secret');
    await table.stop(ann, bob);
  });

  it('never sends a hidden value to a client that may not see it, rxgase or PyGaSe, join included', async () => {
    const table = cardTable({ view: ownHand });
    await table.start();
    const ann = table.client('ann');
    const bob = table.client('bob', 'pygase');
    await table.within(ann.connect(7000, 'server'));
    await table.within(bob.connect(7000, 'server'));
    await table.within(bob.waitUntil((s) => s.hands.bob !== undefined));
    const cat = table.client('cat', 'pygase');
    await table.within(cat.connect(7000, 'server'));
    await table.within(
      lastValueFrom(ann.dispatchEvent('GIVE', ['ann', 'bob', 'a1']), { defaultValue: 0 }),
    );
    await table.within(lastValueFrom(ann.dispatchEvent('TURN', ['bob']), { defaultValue: 0 }));
    await table.within(
      lastValueFrom(ann.dispatchEvent('GIVE', ['bob', 'cat', 'b1']), { defaultValue: 0 }),
    );
    await table.within(lastValueFrom(ann.dispatchEvent('TURN', ['cat']), { defaultValue: 0 }));
    await table.within(
      cat.waitUntil((s) => s.secret !== undefined && s.hands.cat?.b1 !== undefined),
    );
    await table.pass(200);

    // Who may ever have seen which marker, over the whole game.
    const mayHaveSeen: Record<string, string[]> = {
      ann: ['HIDDEN-ann-1', 'HIDDEN-ann-2', 'HIDDEN-secret'],
      bob: ['HIDDEN-bob-1', 'HIDDEN-ann-1', 'HIDDEN-secret'],
      cat: ['HIDDEN-cat-1', 'HIDDEN-bob-1', 'HIDDEN-secret'],
    };
    for (const [name, allowed] of Object.entries(mayHaveSeen)) {
      const datagrams = table.sent.get(name) ?? [];
      const updates = updatesIn(datagrams);
      expect(updates.length).toBeGreaterThan(10);
      const text = JSON.stringify(updates);
      const bytes = datagrams.map((data) => Buffer.from(data).toString('latin1')).join('\n');
      for (const marker of MARKERS.filter((m) => !allowed.includes(m))) {
        expect([name, text.includes(marker), bytes.includes(marker)]).toEqual([name, false, false]);
      }
      // Nor another player's hand, even emptied or deleted.
      for (const other of ['ann', 'bob', 'cat'].filter((o) => o !== name)) {
        for (const update of updates as { hands?: Record<string, unknown> }[]) {
          expect(update.hands?.[other]).toBeUndefined();
        }
      }
    }
    expect(cat.state.hands).toEqual({ cat: { c1: 'HIDDEN-cat-1', b1: 'HIDDEN-bob-1' } });
    expect('secret' in bob.state).toBe(false);
    await table.stop(ann, bob, cat);
  });

  it('keeps hidden values hidden and every client converged to its view on a bad network', async () => {
    const table = cardTable(
      { view: ownHand },
      { latencyMs: 60, jitterMs: 40, loss: 0.2, duplicate: 0.2 },
    );
    await table.start();
    const names = ['ann', 'bob', 'cat'];
    const clients = names.map((name, i) => table.client(name, i === 1 ? 'pygase' : 'rxgase'));
    for (const each of clients) await table.within(each.connect(7000, 'server'));
    // Cards go round the table and turns pass, each change seen by some and hidden from others.
    const cards = [...Object.entries(table.store.getGameState().hands)].flatMap(([owner, hand]) =>
      Object.keys(hand).map((card) => ({ card, owner })),
    );
    for (let round = 0; round < 13; round++) {
      const moved = cards[round % cards.length]!;
      const to = names[(names.indexOf(moved.owner) + 1) % names.length]!;
      const give = clients[0]!.dispatchEvent(
        'GIVE',
        [moved.owner, to, moved.card],
        {},
        { retries: 10 },
      );
      await table.within(lastValueFrom(give, { defaultValue: 0 }));
      moved.owner = to;
      const turn = clients[0]!.dispatchEvent('TURN', [names[round % 3]!], {}, { retries: 10 });
      await table.within(lastValueFrom(turn, { defaultValue: 0 }));
      await table.pass(30);
    }
    table.machine.stop(); // the state stays as it is, the server still sends
    const final = table.store.getGameState();
    expect(Object.keys(final.hands.bob ?? {}).sort()).toEqual(['a1', 'b1']);
    for (const [i, name] of names.entries()) {
      await table.within(clients[i]!.waitUntil((s) => s.time_order === final.time_order));
      expect(clients[i]!.state).toEqual({
        ...ownHand(final, as(name)),
        time_order: final.time_order,
        game_status: final.game_status,
      });
      const text = JSON.stringify(updatesIn(table.sent.get(name) ?? []));
      for (const other of names.filter((o) => o !== name)) {
        expect([name, text.includes(`"${other}":`)]).toEqual([name, false]);
      }
    }
    await table.stop(...clients);
  });

  it('works out a view shared by viewKey once per state', async () => {
    const calls: [Cards, string][] = [];
    const team = (client: ViewClient): string => (client.address.host === 'cat' ? 'red' : 'blue');
    const table = cardTable({
      viewKey: team,
      view: (state, client) => {
        calls.push([state, team(client)]);
        return { turn: state.turn, hands: {} };
      },
    });
    await table.start();
    const clients = ['ann', 'bob', 'cat'].map((name) => table.client(name));
    for (const each of clients) await table.within(each.connect(7000, 'server'));
    for (let i = 0; i < 10; i++) {
      const turn = ['ann', 'bob', 'cat'][i % 3] as string;
      await table.within(
        lastValueFrom(clients[0]!.dispatchEvent('TURN', [turn]), { defaultValue: 0 }),
      );
      await table.pass(40);
    }
    const seen = new Set(calls.map(([state, key]) => `${state.time_order} ${key}`));
    expect(seen.size).toBe(calls.length); // never twice for one state and key
    expect(new Set(calls.map(([, key]) => key))).toEqual(new Set(['red', 'blue']));
    expect(clients.map((each) => each.state.turn)).toEqual(['ann', 'ann', 'ann']);
    await table.stop(...clients);
  });

  it('gives the clients of one viewKey the same update object, which the server encodes once', () => {
    const store = new GameStateStore<Cards>(
      createGameState({ hands: { ann: { a1: 'x' } }, turn: 'ann', secret: 's' }) as Cards,
    );
    // Everyone sees ann's hand alone: the view depends on nothing but the key.
    const annsHand = (state: Cards): Partial<Cards> => ({ hands: { ann: state.hands.ann ?? {} } });
    const views = new Views<Cards>(annsHand, () => 'everyone');
    const [ann, bob] = [views.source(store, as('ann')), views.source(store, as('bob'))];
    store.pushUpdate({ time_order: 1, turn: 'bob' });
    store.pushUpdate({ time_order: 2, hands: { ann: { a2: 'y' } } });
    expect(bob.updateSince(1)).toBe(ann.updateSince(1));
    expect(bob.updateSince(0)).toBe(ann.updateSince(0));
    expect(ann.updateSince(1)).toEqual({
      hands: { ann: { a2: 'y' } },
      time_order: 2,
      game_status: 0,
    });
    expect(ann.updateSince(0)).toEqual({
      hands: { ann: { a1: 'x', a2: 'y' } },
      time_order: 2,
      game_status: 0,
    });
  });

  /**
   * Plays ann and bob at a table of `serverOptions`, whose view fails for bob with `failure`: the
   * failure is reported once, bob is refused, and ann plays on.
   */
  async function givesUpOnBobAlone(
    serverOptions: ServerOptions<Cards>,
    failure: Error,
  ): Promise<void> {
    const table = cardTable(serverOptions);
    const errors: unknown[] = [];
    table.server.errors$.subscribe(({ error }) => errors.push(error));
    await table.start();
    const ann = table.client('ann');
    const bob = table.client('bob');
    await table.within(ann.connect(7000, 'server'));
    await expect(table.within(bob.connect(7000, 'server'))).rejects.toMatchObject({
      reason: 'error',
    });
    await table.within(lastValueFrom(ann.dispatchEvent('TURN', ['cat']), { defaultValue: 0 }));
    await table.within(ann.waitUntil((s) => s.turn === 'cat'));
    expect(errors).toEqual([failure]);
    expect(table.server.connections.size).toBe(1);
    await table.stop(ann, bob);
  }

  it('reports a view that throws, once, and gives up on that client alone', async () => {
    await givesUpOnBobAlone(
      {
        view: (state, client) => {
          if (client.address.host === 'bob') throw new RangeError('no view for bob');
          return ownHand(state, client);
        },
      },
      new RangeError('no view for bob'),
    );
  });

  it('reports a viewKey that throws as a view that throws: that client alone is given up', async () => {
    await givesUpOnBobAlone(
      {
        view: ownHand,
        viewKey: (client) => {
          if (client.address.host === 'bob') throw new RangeError('no team for bob');
          return client.address.host;
        },
      },
      new RangeError('no team for bob'),
    );
  });

  it('refuses a view with a state source that cannot tell its states since a time_order', () => {
    const source = {
      getGameState: () => createGameState({}),
      updateSince: () => ({ time_order: 0 }),
    };
    expect(() => new Server(source, { view: (state) => state })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
  });
});

describe('a view over real UDP on 127.0.0.1', () => {
  it("gives the client its view of the server's state", async () => {
    type Seen = GameState<{ seen: Record<string, number>; shared: number }>;
    const store = new GameStateStore<Seen>(
      createGameState({ seen: { nobody: 1 }, shared: 0 }) as Seen,
    );
    const machine = new GameStateMachine(store, {
      timeStep: (state) => ({ shared: state.shared + 1 }),
    });
    machine.registerEventHandler('HELLO', (_payload, { clientAddress }) => ({
      seen: { [addressKey(clientAddress!)]: 7 },
    }));
    const view = (state: Seen, { key }: ViewClient): Partial<Seen> => ({
      seen: key in state.seen ? { [key]: state.seen[key] as number } : {},
    });
    const server = new Server(store, { view });
    const { port } = await server.run(0, '127.0.0.1', machine);
    machine.runGameLoop(20);
    const client = new Client<Seen>();
    try {
      await client.connect(port, '127.0.0.1');
      await lastValueFrom(client.dispatchEvent('HELLO', [], {}, { retries: 3 }), {
        defaultValue: 0,
      });
      const [key, connection] = [...server.connections][0]!;
      expect(connection).toBeDefined();
      await client.waitUntil((s) => s.seen[key] === 7);
      machine.stop();
      await client.waitUntil((s) => s.time_order === store.getGameState().time_order);
      const state = store.getGameState();
      const { address } =
        connection.remote === undefined ? { address: undefined } : { address: connection.remote };
      expect(client.state).toEqual({
        ...view(state, { key, address: address!, protocol: 'rxgase' }),
        time_order: state.time_order,
        game_status: state.game_status,
      });
      expect(client.state.seen.nobody).toBeUndefined();
    } finally {
      machine.stop();
      await client.disconnect();
      await server.shutdown();
    }
  });
});
