import { Client } from '../../lib/client/client';
import { GameStateMachine } from '../../lib/game/gameStateMachine';
import { GameStateStore } from '../../lib/game/gameStateStore';
import { Server } from '../../lib/server/server';
import type { GameState } from '../../lib/state/gameState';
import { createGameState } from '../../lib/state/gameState';
import type { Datagram, Transport } from '../../lib/transport/datagram';
import { bindUdp } from '../../lib/transport/udpTransport';
import { world } from '../helpers/world';

type Field = GameState<{ players: Record<string, { x: number; y: number }> }>;

/** Whether a datagram holds `text`, as the bytes of a msgpack string would. */
const holds = (datagram: Datagram, text: string): boolean =>
  Buffer.from(datagram.data).includes(Buffer.from(text));

/** A transport that notes each datagram it sends. */
function noting(transport: Transport, sent: Datagram[]): Transport {
  return {
    datagrams$: transport.datagrams$,
    address: transport.address,
    send: (datagram) => {
      sent.push(datagram);
      transport.send(datagram);
    },
    close: () => transport.close(),
  };
}

describe('compact updates to an rxgase client', () => {
  it('keep it converged over a lossy link, naming a key on the wire only until the client acked it', async () => {
    const sent: Datagram[] = [];
    const lossy = { latencyMs: 40, jitterMs: 20, loss: 0.2, duplicate: 0.1 };
    const { server, machine, store, client, within, pass } = world(lossy, {}, (transport) =>
      noting(transport, sent),
    );
    await server.run(7000, 'server', machine);
    const ann = client('ann');
    const old = client('old', { protocol: 'pygase' });
    await within(ann.connect(7000, 'server'));
    await within(old.connect(7000, 'server'));
    // Eight runners join one by one, then all keep moving: 80 ticks of 25 ms.
    const moveAll = (tick: number): void => {
      const players: Record<string, { x: number }> = {};
      for (let i = 0; i <= Math.min(tick, 7); i++) players[`runner-${i}`] = { x: tick + i / 8 };
      store.pushUpdate({ time_order: store.getGameState().time_order + 1, players });
    };
    const start = sent.length;
    for (let tick = 0; tick < 40; tick++) {
      moveAll(tick);
      await pass(25);
    }
    const middle = sent.length;
    for (let tick = 40; tick < 80; tick++) {
      moveAll(tick);
      await pass(25);
    }
    const end = sent.length;
    const final = store.getGameState();
    await within(ann.waitUntil((state) => state.time_order === final.time_order));
    await within(old.waitUntil((state) => state.time_order === final.time_order));
    expect(ann.state).toEqual(final);
    expect(old.state).toEqual(final);

    const to = (host: string, from: number, until: number): Datagram[] =>
      sent.slice(from, until).filter(({ address }) => address.host === host);
    const named = (datagrams: Datagram[]): number =>
      datagrams.filter((datagram) => holds(datagram, 'runner-')).length;
    // The rxgase client: each runner's name goes until a package that carried it is acked, then
    // its number. The PyGaSe client gets the names in every update.
    expect(named(to('ann', start, middle))).toBeGreaterThan(0);
    expect(to('ann', middle, end).length).toBeGreaterThan(20);
    expect(named(to('ann', middle, end))).toBe(0);
    expect(to('old', middle, end).length).toBeGreaterThan(20);
    expect(named(to('old', middle, end))).toBe(to('old', middle, end).length);
    await ann.disconnect();
    await old.disconnect();
    await server.shutdown();
  });

  it('over real UDP, keep a client converged on a moving world, by number once acked', async () => {
    const store = new GameStateStore<Field>(createGameState({ players: {} }) as Field);
    let tick = 0;
    const machine = new GameStateMachine(store, {
      timeStep: () => {
        tick++;
        const players: Field['players'] = {};
        for (let i = 0; i < 20; i++) players[`runner-${i}`] = { x: tick + 0.5, y: i + 0.25 };
        return { players };
      },
    });
    const sent: Datagram[] = [];
    const server = new Server(store, {
      bind: async (port, host) => noting(await bindUdp({ port, host }), sent),
    });
    const { port } = await server.run(0, '127.0.0.1', machine);
    machine.runGameLoop(25);
    const client = new Client<Field>();
    try {
      await client.connect(port, '127.0.0.1');
      await client.waitUntil((state) => Object.keys(state.players).length === 20);
      // Once it has held the runners a while, nothing sent to it names them.
      const joined = tick;
      await client.waitUntil((state) => (state.players['runner-0']?.x ?? 0) > joined + 10);
      const from = sent.length;
      await client.waitUntil((state) => (state.players['runner-0']?.x ?? 0) > joined + 20);
      const later = sent.slice(from);
      expect(later.length).toBeGreaterThan(5);
      expect(later.filter((datagram) => holds(datagram, 'runner-'))).toEqual([]);
      machine.stop();
      const final = store.getGameState();
      await client.waitUntil((state) => state.time_order === final.time_order);
      expect(client.state).toEqual(final);
    } finally {
      machine.stop();
      await client.disconnect();
      await server.shutdown();
    }
  });
});
