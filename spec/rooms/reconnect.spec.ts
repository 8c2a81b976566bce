import { filter, lastValueFrom } from 'rxjs';
import type { Observable } from 'rxjs';
import { Client } from '../../lib/client/client';
import type { ClientOptions } from '../../lib/client/clientOptions';
import type { RoomDefinition } from '../../lib/rooms/roomDefinition';
import { RoomServer } from '../../lib/rooms/roomServer';
import { MemoryNetwork } from '../../lib/transport/memoryNetwork';
import { SimulationScheduler } from '../../lib/transport/simulationScheduler';
import { TO_DELETE } from '../../lib/state/toDelete';
import { arenaRoom } from '../helpers/arenaRoom';
import type { ArenaRoom } from '../helpers/arenaRoom';
import { virtualTime } from '../helpers/world';

/** The arena, holding a dropped player's place for 10 s; what befalls players goes in `left`. */
const arena: RoomDefinition<ArenaRoom> = {
  ...arenaRoom,
  reconnectGraceMs: 10_000,
  onDrop: ({ clientKey, clientId, reason, gameState }) => ({
    left: [...gameState.left, `${clientKey} (${clientId}) dropped: ${reason}`],
  }),
  onReconnect: ({ clientKey, clientId, previousKey, gameState }) => ({
    players: { [previousKey]: TO_DELETE, [clientKey]: gameState.players[previousKey] ?? { x: 0 } },
    left: [...gameState.left, `${previousKey} (${clientId}) back as ${clientKey}`],
  }),
};

/** Resolves once a dispatched event is acked. */
const sent = (outcome: Observable<void>): Promise<unknown> =>
  lastValueFrom(outcome, { defaultValue: undefined });

/** A room server with connect tokens, and clients whose links the spec cuts, in virtual time. */
async function setUp() {
  const scheduler = new SimulationScheduler();
  const network = new MemoryNetwork(scheduler);
  const cut = new Set<string>();
  const rooms = new RoomServer({
    scheduler,
    tokens: { secret: 'a secret of the spec' },
    bind: async (port, host) => {
      const transport = network.bind({ host, port: port || 7000 });
      const datagrams$ = transport.datagrams$.pipe(filter(({ address }) => !cut.has(address.host)));
      return { ...transport, datagrams$ };
    },
  }).define('arena', arena);
  await rooms.run(7000, 'server');
  const client = (name: string, options: ClientOptions = {}): Client<ArenaRoom> =>
    new Client<ArenaRoom>({
      ...options,
      scheduler,
      // A new port for each socket, as a new socket gets.
      bind: async () => {
        const transport = network.bind({ host: name });
        const datagrams$ = transport.datagrams$.pipe(filter(() => !cut.has(name)));
        return { ...transport, datagrams$ };
      },
      resolve: async (host) => host,
    });
  return { rooms, client, cut, ...virtualTime(scheduler) };
}

describe('a room whose client drops', () => {
  it('holds its place, sees onDrop, then onReconnect with the same clientId', async () => {
    const { rooms, client, cut, within, pass } = await setUp();
    const seat = await rooms.create('arena', {}, 'ann-id');
    const ann = client('ann');
    await within(ann.join(seat));
    await within(ann.waitUntil((s) => Object.keys(s.players).length === 1));
    const key = Object.keys(ann.state.players)[0] as string;
    await within(sent(ann.dispatchEvent('MOVE', { x: 5 }, { retries: 5 })));

    cut.add('ann');
    await pass(5500);
    expect(ann.currentStatus).toBe('reconnecting');
    const room = rooms.room(seat.roomId);
    // The room stays, with her place: a seat is not given to another.
    expect(room?.clients).toBe(1);
    expect(rooms.list()).toHaveLength(1);

    cut.delete('ann');
    await within(ann.waitUntil((s) => s.left.some((line) => line.includes('back as'))));
    expect(ann.currentStatus).toBe('connected');
    expect(ann.roomId).toBe(seat.roomId);
    const [newKey] = Object.keys(ann.state.players);
    expect(newKey).not.toBe(key);
    expect(ann.state.players).toEqual({ [newKey as string]: { x: 5 } });
    expect(ann.state.left).toEqual([
      `${key} (ann-id) dropped: timeout`,
      `${key} (ann-id) back as ${newKey}`,
    ]);
    // Her events go on from the new address.
    await within(sent(ann.dispatchEvent('MOVE', { x: 6 }, { retries: 5 })));
    await within(ann.waitUntil((s) => s.players[newKey as string]?.x === 6));
    await ann.leave();
    await pass(100);
    expect(room?.isDisposed).toBe(true);
    await rooms.shutdown();
  });

  it('lets the client go with onLeave once the grace window passes, and refuses it after', async () => {
    const { rooms, client, cut, within, pass } = await setUp();
    const seat = await rooms.create('arena', {}, 'bob-id');
    // Bob tries longer than the room holds his place.
    const bob = client('bob', { reconnect: { timeoutMs: 30_000 } });
    const reasons: string[] = [];
    bob.disconnected$.subscribe((reason) => reasons.push(reason));
    await within(bob.join(seat));
    const watcher = client('cy');
    await within(watcher.join(rooms.join(seat.roomId, 'cy-id')));
    await within(watcher.waitUntil((s) => Object.keys(s.players).length === 2));
    const key = Object.keys(bob.state.players).find((k) => k.startsWith('bob')) as string;
    cut.add('bob');
    await pass(5500 + 10_000);
    await within(watcher.waitUntil((s) => s.left.includes(`${key} timeout`)));
    expect(watcher.state.players[key]).toBeUndefined();
    cut.delete('bob');
    await pass(3000);
    // The room server finds no room holding his session.
    expect(bob.currentStatus).toBe('disconnected');
    expect(reasons).toEqual(['unknown session']);
    expect(rooms.stats.refused).toBeGreaterThan(0);
    await rooms.shutdown();
  });
});
