import { Client } from '../../lib/client/client';
import { NoSuchRoomError } from '../../lib/protocol/errors';
import { InMemoryPresence } from '../../lib/rooms/presence';
import { RoomCluster } from '../../lib/rooms/roomCluster';
import { RoomServer } from '../../lib/rooms/roomServer';
import { MemoryNetwork } from '../../lib/transport/memoryNetwork';
import { SimulationScheduler } from '../../lib/transport/simulationScheduler';
import { arenaRoom } from '../helpers/arenaRoom';
import type { ArenaRoom } from '../helpers/arenaRoom';
import { virtualTime } from '../helpers/world';

/**
 * Two room servers, processes `one` and `two`, in one cluster on an in-memory presence; `one`
 * makes at most `oneMaxRooms` rooms.
 */
async function setUp(oneMaxRooms?: number) {
  const scheduler = new SimulationScheduler();
  const network = new MemoryNetwork(scheduler);
  const presence = new InMemoryPresence(scheduler);
  const node = async (host: string) => {
    const rooms = new RoomServer({
      scheduler,
      bind: async (port) => network.bind({ host, port: port || 7000 }),
      ...(host === 'one' && oneMaxRooms !== undefined && { maxRooms: oneMaxRooms }),
    }).define('arena', { ...arenaRoom, maxClients: 2 });
    await rooms.run(7000, host);
    const cluster = new RoomCluster(rooms, presence, {
      processId: host,
      scheduler,
      heartbeatMs: 200,
      ttlMs: 1000,
    });
    await cluster.start();
    return { rooms, cluster };
  };
  const [one, two] = [await node('one'), await node('two')];
  const client = (name: string): Client<ArenaRoom> =>
    new Client<ArenaRoom>({
      scheduler,
      bind: async () => network.bind({ host: name, port: 1 }),
      resolve: async (host) => host,
    });
  return { one, two, presence, client, ...virtualTime(scheduler) };
}

describe('RoomCluster, on an in-memory presence in virtual time', () => {
  it('fills the fullest room anywhere, then makes rooms on the least loaded process', async () => {
    const { one, two, client, within, pass } = await setUp();
    const [ann, bob, cat] = [client('ann'), client('bob'), client('cat')];
    // Both idle: the new room goes to `one`, first by id.
    const annSeat = await one.cluster.create('arena', { name: 'first' }, 'ann');
    expect(annSeat.address.host).toBe('one');
    await within(ann.join(annSeat));
    // Asked of `two`, which has no room: seated in `one`'s.
    const bobSeat = await two.cluster.joinOrCreate('arena', {}, 'bob');
    expect(bobSeat.roomId).toBe(annSeat.roomId);
    await within(bob.join(bobSeat));
    await within(bob.waitUntil((state) => Object.keys(state.players).length === 2));
    await pass(300);
    // Full: the next room goes to `two`, the least loaded.
    const catSeat = await one.cluster.joinOrCreate('arena', { name: 'second' }, 'cat');
    expect(catSeat.address.host).toBe('two');
    await within(cat.join(catSeat));
    await pass(300);
    expect((await one.cluster.list()).map((room) => [room.metadata.name, room.clients])).toEqual([
      ['first', 2],
      ['second', 1],
    ]);
    // The room empties and goes; the registry says so on the next announcement.
    await ann.disconnect();
    await bob.disconnect();
    await pass(300);
    expect((await two.cluster.list()).map((room) => room.metadata.name)).toEqual(['second']);
    await expect(two.cluster.join(annSeat.roomId)).rejects.toBeInstanceOf(NoSuchRoomError);
    await cat.disconnect();
    for (const node of [one, two]) {
      await node.cluster.stop();
      await node.rooms.shutdown();
    }
  });

  it('stops announcing once its room server shut down', async () => {
    const { one, two, presence, pass } = await setUp();
    const announce = jest.spyOn(presence, 'announce');
    await pass(1000);
    expect(announce).toHaveBeenCalled();
    await one.rooms.shutdown();
    announce.mockClear();
    await pass(1000);
    expect(announce.mock.calls.map(([entry]) => entry.processId).every((id) => id === 'two')).toBe(
      true,
    );
    await one.cluster.stop();
    await two.cluster.stop();
    await two.rooms.shutdown();
  });

  it('passes over a process that does not answer, dead but not expired yet', async () => {
    const { one, two, presence, pass } = await setUp();
    // First by id and idle: the first asked, and it never answers.
    await presence.announce(
      { processId: 'a-ghost', address: { host: 'ghost', port: 1 }, clients: 0, rooms: [] },
      60_000,
    );
    const seat = await two.cluster.create('arena');
    expect(seat.address.host).toBe('one');
    await pass(10);
    for (const node of [one, two]) {
      await node.cluster.stop();
      await node.rooms.shutdown();
    }
  });

  it('makes a room on the next process when the least loaded one holds all the rooms it may', async () => {
    const { one, two, client, within, pass } = await setUp(1);
    // One has no client and its one room; two has a client: one is the least loaded.
    await one.rooms.create('arena');
    const cat = client('cat');
    await within(cat.join(await two.rooms.create('arena')));
    await pass(300);
    const seat = await two.cluster.create('arena');
    expect(seat.address.host).toBe('two');
    expect(two.rooms.stats.rooms).toBe(2);
    await cat.disconnect();
    for (const node of [one, two]) {
      await node.cluster.stop();
      await node.rooms.shutdown();
    }
  });

  it('forgets a process that stops announcing once its time to live passed', async () => {
    const { one, two, presence, pass } = await setUp();
    await presence.announce(
      { processId: 'ghost', address: { host: 'ghost', port: 1 }, clients: 0, rooms: [] },
      1000,
    );
    await pass(900);
    expect((await presence.processes()).map((entry) => entry.processId).sort()).toEqual([
      'ghost',
      'one',
      'two',
    ]);
    await pass(200);
    expect((await presence.processes()).map((entry) => entry.processId).sort()).toEqual([
      'one',
      'two',
    ]);
    await two.cluster.stop();
    expect((await presence.processes()).map((entry) => entry.processId)).toEqual(['one']);
    for (const node of [one, two]) await node.rooms.shutdown();
    await one.cluster.stop();
  });
});
