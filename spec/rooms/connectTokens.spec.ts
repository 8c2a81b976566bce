import { ConnectTokens } from '../../lib/rooms/connectTokens';
import { RoomServer } from '../../lib/rooms/roomServer';
import type { Reservation } from '../../lib/protocol/tickets';
import { ticketBytes, ticketText } from '../../lib/protocol/tickets';
import { Client } from '../../lib/client/client';
import type { ClientOptions } from '../../lib/client/clientOptions';
import { MemoryNetwork } from '../../lib/transport/memoryNetwork';
import { SimulationScheduler } from '../../lib/transport/simulationScheduler';
import { virtualTime } from '../helpers/world';
import { arenaRoom } from '../helpers/arenaRoom';
import type { ArenaRoom } from '../helpers/arenaRoom';

const SECRET = 'a secret of sixteen bytes or more';

function setUp(tokens: { required?: boolean; ttlMs?: number } = {}) {
  const scheduler = new SimulationScheduler();
  const network = new MemoryNetwork(scheduler);
  const joined: (string | undefined)[] = [];
  const rooms = new RoomServer({
    scheduler,
    bind: async (port, host) => network.bind({ host, port: port || 7000 }),
    tokens: { secret: SECRET, ...tokens },
    defaultRoom: { type: 'arena' },
  }).define('arena', {
    ...arenaRoom,
    onJoin: (context) => {
      joined.push(context.clientId);
      return arenaRoom.onJoin?.(context);
    },
  });
  const client = (name: string, options: ClientOptions = {}): Client<ArenaRoom> =>
    new Client<ArenaRoom>({
      ...options,
      scheduler,
      // The same address each time: a client that joins again comes from where it was.
      bind: async () => network.bind({ host: name, port: 1 }),
      resolve: async (host) => host,
    });
  return { rooms, client, joined, scheduler, ...virtualTime(scheduler) };
}

/** The reservation with one bit of its token's bytes flipped. */
function flipped(seat: Reservation, at: number): Reservation {
  const bytes = ticketBytes(seat.ticket);
  bytes[at] = (bytes[at] as number) ^ 1;
  return { ...seat, ticket: ticketText(bytes) };
}

describe('connect tokens', () => {
  it("let a client in with its token, and tell the room who the matchmaker's auth said it is", async () => {
    const { rooms, client, joined, within } = setUp();
    await rooms.run(7000, 'server');
    const ann = client('ann');
    await within(ann.join(await rooms.joinOrCreate('arena', {}, 'user-ann')));
    await within(ann.waitUntil((s) => Object.keys(s.players).length === 1));
    expect(joined).toEqual(['user-ann']);
    expect(rooms.stats.invalidTokens).toBe(0);
    await ann.disconnect();
    await rooms.shutdown();
  });

  it.each([
    ['forged: a byte of its room id changed', 3],
    ['forged: a byte of its signature changed', -1],
  ])('refuse a token %s', async (_case, at) => {
    const { rooms, client, within } = setUp();
    await rooms.run(7000, 'server');
    const seat = await rooms.create('arena', {}, 'user-ann');
    const bytes = ticketBytes(seat.ticket);
    await expect(
      within(client('ann').join(flipped(seat, at < 0 ? bytes.length + at : at))),
    ).rejects.toMatchObject({ reason: 'invalid token' });
    expect(rooms.stats).toMatchObject({ refused: 1, invalidTokens: 1 });
    await rooms.shutdown();
  });

  it('refuse a token once it expired', async () => {
    const { rooms, client, within, pass } = setUp({ ttlMs: 1000 });
    await rooms.run(7000, 'server');
    const seat = await rooms.create('arena');
    await pass(1100);
    await expect(within(client('ann').join(seat))).rejects.toMatchObject({
      reason: 'invalid token',
    });
    await rooms.shutdown();
  });

  it('take each token once: not from another address, not again once its handshake is done', async () => {
    const { rooms, client, within, pass } = setUp();
    await rooms.run(7000, 'server');
    const seat = await rooms.create('arena', {}, 'user-ann');
    const ann = client('ann');
    await within(ann.join(seat));
    await expect(within(client('mallory').join(seat))).rejects.toMatchObject({
      reason: 'invalid token',
    });
    await ann.disconnect();
    // The server answers its farewell: its link closes, and its address is free again.
    await pass(10);
    await expect(within(ann.join(seat))).rejects.toMatchObject({ reason: 'invalid token' });
    await rooms.shutdown();
  });

  it('refuse a token signed for another server, or with another secret', async () => {
    const { rooms, client, within, scheduler } = setUp();
    await rooms.run(7000, 'server');
    const seat = await rooms.create('arena');
    const expires = scheduler.now() + 5000;
    const elsewhere = new ConnectTokens(SECRET).sign({
      roomId: seat.roomId,
      server: { host: 'server', port: 7001 },
      clientId: '',
      expires,
    });
    const otherSecret = new ConnectTokens('another secret, just as long').sign({
      roomId: seat.roomId,
      server: seat.address,
      clientId: '',
      expires,
    });
    for (const [name, ticket] of [
      ['ann', elsewhere],
      ['bob', otherSecret],
    ] as const) {
      await expect(
        within(client(name).join({ ...seat, ticket: ticketText(ticket) })),
      ).rejects.toMatchObject({ reason: 'invalid token' });
    }
    await rooms.shutdown();
  });

  it('when required, let no client in without one, PyGaSe clients neither', async () => {
    const { rooms, client, within } = setUp();
    await rooms.run(7000, 'server');
    await expect(within(client('ann').connect(7000, 'server'))).rejects.toMatchObject({
      reason: 'invalid token',
    });
    await expect(
      within(client('old', { protocol: 'pygase' }).connect(7000, 'server', 2000)),
    ).rejects.toMatchObject({ code: 'ERR_WAIT_TIMEOUT' });
    expect(rooms.room('port-7000')?.info.clients).toBe(0);
    expect(rooms.stats.unroutable).toBeGreaterThan(0);
    await rooms.shutdown();
  });

  it('when not required, still check a token given, and let clients without one in', async () => {
    const { rooms, client, within } = setUp({ required: false });
    await rooms.run(7000, 'server');
    const ann = client('ann');
    await within(ann.connect(7000, 'server'));
    const seat = await rooms.create('arena');
    await expect(within(client('bob').join(flipped(seat, 3)))).rejects.toMatchObject({
      reason: 'invalid token',
    });
    await ann.disconnect();
    await rooms.shutdown();
  });
});
