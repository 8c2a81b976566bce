import { Subject, mergeMap } from 'rxjs';
import { TRANSPORT_ERROR } from '../../lib/transport/datagram';
import { silentLogger } from '../../lib/util/logger';
import { Client } from '../../lib/client/client';
import { encodeConnectRequest, isRxgasePacket } from '../../lib/protocol/rxgasePackets';
import { PacketKind } from '../../lib/protocol/rxgaseConstants';
import { ticketBytes } from '../../lib/protocol/tickets';
import type { ClientOptions } from '../../lib/client/clientOptions';
import { NoSuchRoomError } from '../../lib/protocol/errors';
import type { RoomDefinition, RoomInfo } from '../../lib/rooms/roomDefinition';
import type { Room } from '../../lib/rooms/room';
import { RoomServer } from '../../lib/rooms/roomServer';
import type { Datagram } from '../../lib/transport/datagram';
import { MemoryNetwork } from '../../lib/transport/memoryNetwork';
import { SimulationScheduler } from '../../lib/transport/simulationScheduler';
import { virtualTime } from '../helpers/world';
import { arenaRoom } from '../helpers/arenaRoom';
import type { ArenaRoom } from '../helpers/arenaRoom';

type Arena = ArenaRoom;

/** The arena, two players a room. */
const arena: RoomDefinition<Arena> = { ...arenaRoom, maxClients: 2 };

/** The network of the last setUp, for a spec's own `bind`. */
let shared: MemoryNetwork | undefined;
const network = (): MemoryNetwork => shared as MemoryNetwork;

/** A room server and clients on an in-memory network, in virtual time. */
function setUp(options: ConstructorParameters<typeof RoomServer>[0] = {}) {
  const scheduler = new SimulationScheduler();
  const network = new MemoryNetwork(scheduler);
  shared = network;
  const rooms = new RoomServer({
    scheduler,
    bind: async (port, host) => network.bind({ host, port: port || 7000 }),
    ...options,
  }).define('arena', arena);
  const client = (name: string, clientOptions: ClientOptions = {}): Client<Arena> =>
    new Client<Arena>({
      ...clientOptions,
      scheduler,
      bind: async () => network.bind({ host: name, port: 1 }),
      resolve: async (host) => host,
    });
  const listings: (readonly RoomInfo[])[] = [];
  rooms.rooms$.subscribe((listing) => listings.push(listing));
  return { scheduler, rooms, client, listings, ...virtualTime(scheduler) };
}

describe('RoomServer', () => {
  it('lets no other connect request from an address take over a handshake under way there', async () => {
    // Right behind ann's connect request, one in her name for another room, with another nonce.
    const forged: { bytes?: Uint8Array } = {};
    const { rooms, client, within } = setUp({
      bind: async (port, host) => {
        const transport = network().bind({ host, port: port || 7000 });
        const datagrams$ = transport.datagrams$.pipe(
          mergeMap((datagram) =>
            datagram.address.host === 'ann' && datagram.data[4] === 1 && forged.bytes !== undefined
              ? [datagram, { data: forged.bytes, address: datagram.address }]
              : [datagram],
          ),
        );
        return { ...transport, datagrams$ };
      },
    });
    await rooms.run(7000, 'server');
    const [first, second] = [await rooms.create('arena'), await rooms.create('arena')];
    const nonce = Uint8Array.of(9, 9, 9, 9, 9, 9, 9, 9);
    forged.bytes = encodeConnectRequest(nonce, undefined, ticketBytes(second.ticket));
    const ann = client('ann');
    await within(ann.join(first));
    await within(ann.waitUntil((s) => Object.keys(s.players).length === 1));
    expect(rooms.room(first.roomId)?.info.clients).toBe(1);
    expect(rooms.room(second.roomId)?.info.clients).toBe(0);
    expect(rooms.stats.unroutable).toBeGreaterThanOrEqual(1);
    await ann.disconnect();
    await rooms.shutdown();
  });

  it('seats clients of a type in one room until it is full, each room a game of its own', async () => {
    const { rooms, client, within, pass } = setUp();
    await rooms.run(7000, 'server');
    const [ann, bob, cat] = [client('ann'), client('bob'), client('cat')];
    const annSeat = await rooms.joinOrCreate('arena', { name: 'first' });
    expect(ann.roomId).toBeUndefined();
    await within(ann.join(annSeat));
    expect(ann.roomId).toBe(annSeat.roomId);
    const bobSeat = await rooms.joinOrCreate('arena');
    expect(bobSeat.roomId).toBe(annSeat.roomId);
    await within(bob.join(bobSeat));
    // Full (maxClients 2): the next client gets a room of its own, with the options it asked.
    const catSeat = await rooms.joinOrCreate('arena', { name: 'second' });
    expect(catSeat.roomId).not.toBe(annSeat.roomId);
    await within(cat.join(catSeat));

    await within(ann.waitUntil((s) => Object.keys(s.players).length === 2));
    expect(Object.keys(ann.state.players).sort()).toEqual(['ann:1', 'bob:1']);
    expect(ann.state.name).toBe('first');
    await within(cat.waitUntil((s) => Object.keys(s.players).length === 1));
    expect(cat.state).toMatchObject({ name: 'second', players: { 'cat:1': { x: 0 } } });

    // An event plays in its own room only.
    ann.dispatchEvent('MOVE', [], { x: 5 });
    await within(bob.waitUntil((s) => s.players['ann:1']?.x === 5));
    await pass(100);
    expect(cat.state.players['ann:1']).toBeUndefined();
    expect(rooms.stats).toMatchObject({ rooms: 2, routes: 3, refused: 0 });

    await ann.disconnect();
    expect(ann.roomId).toBeUndefined();
    await bob.disconnect();
    await cat.disconnect();
    await rooms.shutdown();
  });

  it("runs onLeave in the room's loop, so a player who leaves is gone for the others", async () => {
    const { rooms, client, within } = setUp();
    await rooms.run(7000, 'server');
    const [ann, bob] = [client('ann'), client('bob')];
    const seat = await rooms.create('arena');
    await within(ann.join(seat));
    await within(bob.join(rooms.join(seat.roomId)));
    await within(bob.waitUntil((s) => s.players['ann:1'] !== undefined));
    await ann.disconnect();
    await within(bob.waitUntil((s) => s.players['ann:1'] === undefined));
    expect(bob.state.left).toEqual(['ann:1 disconnected']);
    await bob.disconnect();
    await rooms.shutdown();
  });

  it('disposes a room when its last client leaves, and refuses its seats from then on', async () => {
    const { rooms, client, within, pass, listings } = setUp();
    await rooms.run(7000, 'server');
    const ann = client('ann');
    const seat = await rooms.create('arena', { name: 'brief' });
    await within(ann.join(seat));
    expect(listings.at(-1)).toEqual([
      {
        roomId: seat.roomId,
        type: 'arena',
        clients: 1,
        maxClients: 2,
        reserved: 0,
        metadata: { name: 'brief' },
      },
    ]);
    await ann.disconnect();
    await pass(50);
    expect(rooms.room(seat.roomId)).toBeUndefined();
    expect(listings.at(-1)).toEqual([]);
    expect(() => rooms.join(seat.roomId)).toThrow(NoSuchRoomError);
    await expect(within(client('bob').join(seat))).rejects.toMatchObject({
      code: 'ERR_CONNECTION_REFUSED',
      reason: 'no such room',
    });
    expect(rooms.stats.refused).toBe(1);
    await rooms.shutdown();
  });

  it('keeps a room nobody joined until its seat expires, then disposes it', async () => {
    const { rooms, pass } = setUp({ reservationMs: 2000 });
    await rooms.run(7000, 'server');
    const seat = await rooms.create('arena');
    await pass(1900);
    expect(rooms.room(seat.roomId)?.info.reserved).toBe(1);
    await pass(200);
    expect(rooms.room(seat.roomId)).toBeUndefined();
    await rooms.shutdown();
  });

  it('disposes a room once the seat nobody took expires, after its last client left', async () => {
    const { rooms, client, within, pass } = setUp({ reservationMs: 2000 });
    await rooms.run(7000, 'server');
    const seat = await rooms.joinOrCreate('arena');
    // A second seat in the same room, for a player who never comes.
    expect((await rooms.joinOrCreate('arena')).roomId).toBe(seat.roomId);
    const ann = client('ann');
    await within(ann.join(seat));
    await ann.disconnect();
    await pass(500);
    // Nobody in, a seat still out: the room waits for it.
    expect(rooms.room(seat.roomId)?.info).toMatchObject({ clients: 0, reserved: 1 });
    await pass(2000);
    expect(rooms.room(seat.roomId)).toBeUndefined();
    expect(rooms.stats.rooms).toBe(0);
    await rooms.shutdown();
  });

  it('makes no room for a seat it cannot give: a connect token it cannot sign', async () => {
    const { rooms } = setUp({
      maxRooms: 1,
      tokens: { secret: 'the secret of the rooms, sixteen bytes or more' },
    });
    await rooms.run(7000, 'server');
    const tooLong = 'x'.repeat(300);
    await expect(rooms.create('arena', {}, tooLong)).rejects.toThrow(/at most 199 bytes/);
    expect(rooms.stats.rooms).toBe(0);
    // Its place under maxRooms is free for the next.
    await expect(rooms.create('arena', {}, 'ann')).resolves.toMatchObject({ address: {} });
    await rooms.shutdown();
  });

  it('starts no game loop for a room made as it shuts down, and fails its create', async () => {
    const { rooms, pass } = setUp();
    let steps = 0;
    rooms.define('counted', {
      ...arena,
      timeStep: () => {
        steps++;
        return {};
      },
    });
    await rooms.run(7000, 'server');
    const creating = rooms.create('counted');
    await rooms.shutdown();
    await expect(creating).rejects.toBeInstanceOf(NoSuchRoomError);
    await pass(1000);
    expect(steps).toBe(0);
    expect(rooms.stats.rooms).toBe(0);
  });

  it("tells on errors$ what the rooms' shared socket reports, and logs it", async () => {
    const scheduler = new SimulationScheduler();
    const network = new MemoryNetwork(scheduler);
    const reported = new Subject<Error>();
    const warnings: string[] = [];
    const rooms = new RoomServer({
      scheduler,
      logger: { ...silentLogger, warn: (message) => void warnings.push(message) },
      bind: async (port, host) => ({
        ...network.bind({ host, port: port || 7000 }),
        errors$: reported.asObservable(),
      }),
    }).define('arena', arena);
    const told: { type: string; error: Error }[] = [];
    rooms.errors$.subscribe((failure) => told.push(failure));
    await rooms.run(7000, 'server');
    const refused = new Error('send EACCES 10.0.0.1:9');
    reported.next(refused);
    expect(told).toEqual([{ type: TRANSPORT_ERROR, error: refused }]);
    expect(warnings).toEqual(['The transport reported an error: send EACCES 10.0.0.1:9']);
    await rooms.shutdown();
  });

  it('keeps a room its disposeDelayMs after its last client left, for one who comes back', async () => {
    const { rooms, client, within, pass } = setUp();
    rooms.define('lingering', { ...arena, disposeDelayMs: 1000 });
    await rooms.run(7000, 'server');
    const seat = await rooms.create('lingering');
    const ann = client('ann');
    await within(ann.join(seat));
    await ann.disconnect();
    await pass(500);
    const again = rooms.join(seat.roomId);
    const back = client('ann2');
    await within(back.join(again));
    await pass(2000);
    expect(rooms.room(seat.roomId)?.info.clients).toBe(1);
    await back.disconnect();
    await pass(1100);
    expect(rooms.room(seat.roomId)).toBeUndefined();
    await rooms.shutdown();
  });

  it('puts clients that name no room, PyGaSe ones too, in the default room', async () => {
    const { rooms, client, within } = setUp({
      defaultRoom: { type: 'arena', options: { name: 'lobby' } },
    });
    await rooms.run(7000, 'server');
    const ann = client('ann');
    const old = client('old', { protocol: 'pygase' });
    await within(ann.connect(7000, 'server'));
    await within(old.connect(7000, 'server'));
    await within(ann.waitUntil((s) => Object.keys(s.players).length === 2));
    expect(old.state.name).toBe('lobby');
    expect(rooms.room('port-7000')?.info.clients).toBe(2);
    // The default room is never joinOrCreate's, and stays when empty.
    expect((await rooms.joinOrCreate('arena')).roomId).not.toBe('port-7000');
    await ann.disconnect();
    await old.disconnect();
    expect(rooms.room('port-7000')).toBeDefined();
    await rooms.shutdown();
  });

  it('refuses a client that names no room when there is no default room', async () => {
    const { rooms, client, within } = setUp();
    await rooms.run(7000, 'server');
    await expect(within(client('ann').connect(7000, 'server'))).rejects.toMatchObject({
      reason: 'no such room',
    });
    await rooms.shutdown();
  });

  it("ignores a client's event of the names a room pushes itself as clients join and leave", async () => {
    const { rooms, client, within, pass } = setUp();
    await rooms.run(7000, 'server');
    const seat = await rooms.create('arena');
    const ann = client('ann');
    await within(ann.join(seat));
    ann.dispatchEvent('rxgase:left', [], { reason: 'kicked' });
    await pass(200);
    expect(ann.state.players['ann:1']).toEqual({ x: 0 });
    expect(ann.state.left).toEqual([]);
    await ann.disconnect();
    await rooms.shutdown();
  });

  it('makes no room past maxRooms, and seats players in the rooms it has', async () => {
    const { rooms } = setUp({ maxRooms: 2 });
    await rooms.run(7000, 'server');
    await rooms.create('arena');
    const second = await rooms.create('arena');
    await expect(rooms.create('arena')).rejects.toThrow(/holds 2 already/);
    // Seats in the rooms there are still go out, until they are full too.
    expect((await rooms.joinOrCreate('arena')).roomId).toBeDefined();
    expect(rooms.join(second.roomId).roomId).toBe(second.roomId);
    expect(() => new RoomServer({ maxRooms: 0 })).toThrow(/maxRooms must be 1 or more/);
    await rooms.shutdown();
  });

  it("makes each room's own definition from a function, which keeps its room from onCreate", async () => {
    const { rooms, client, within } = setUp();
    // Each room counts its joins in its own closure, and greets each client by its count.
    const made: string[] = [];
    rooms.define<Arena>('counted', (options) => {
      let joins = 0;
      let room: Room<Arena> | undefined;
      return {
        ...arena,
        onCreate: (created) => {
          room = created;
          made.push(`${created.roomId} ${String(options.name)}`);
        },
        onJoin: (context) => {
          joins++;
          room?.server
            .dispatchEvent('WELCOME', { joins }, { targetClient: context.clientAddress })
            .subscribe();
          return arena.onJoin?.(context);
        },
      };
    });
    await rooms.run(7000, 'server');
    const [ann, bob, cat] = [client('ann'), client('bob'), client('cat')];
    const welcomes: string[] = [];
    for (const [name, player] of [
      ['ann', ann],
      ['bob', bob],
      ['cat', cat],
    ] as const) {
      player
        .on('WELCOME')
        .subscribe((event) => welcomes.push(`${name} ${String(event.kwargs.joins)}`));
    }
    const first = await rooms.create('counted', { name: 'first' });
    const second = await rooms.create('counted', { name: 'second' });
    expect(made).toEqual([`${first.roomId} first`, `${second.roomId} second`]);
    await within(ann.join(first));
    await within(bob.join(rooms.join(first.roomId)));
    await within(cat.join(second));
    await within(ann.waitUntil(() => welcomes.length === 3));
    expect(welcomes.sort()).toEqual(['ann 1', 'bob 2', 'cat 1']);
    for (const player of [ann, bob, cat]) await player.disconnect();
    await rooms.shutdown();
  });

  it('refuses a room type whose function makes no definition, when it makes a room', async () => {
    const { rooms } = setUp();
    rooms.define('broken', () => ({}) as RoomDefinition<Arena>);
    await rooms.run(7000, 'server');
    await expect(rooms.create('broken')).rejects.toThrow(/needs initialState and timeStep/);
    expect(rooms.list()).toEqual([]);
    await rooms.shutdown();
  });

  it('lets go of a room whose onCreate threw, so that it holds no place of maxRooms', async () => {
    const { rooms } = setUp({ maxRooms: 1 });
    rooms.define<Arena>('cursed', {
      ...arena,
      onCreate: () => {
        throw new Error('no luck');
      },
    });
    await rooms.run(7000, 'server');
    await expect(rooms.create('cursed')).rejects.toThrow('no luck');
    await expect(rooms.create('cursed')).rejects.toThrow('no luck');
    expect(rooms.list()).toEqual([]);
    // The one place is free for a room that starts.
    const seat = await rooms.create('arena');
    expect(rooms.list().map((room) => room.roomId)).toEqual([seat.roomId]);
    await rooms.shutdown();
  });

  it('names what cannot be done: an unknown type, a type defined twice, a PyGaSe client joining', async () => {
    const { rooms, client } = setUp();
    await rooms.run(7000, 'server');
    await expect(rooms.create('nothing')).rejects.toBeInstanceOf(NoSuchRoomError);
    expect(() => rooms.define('arena', arena)).toThrow(/defined already/);
    const seat = await rooms.create('arena');
    await expect(client('old', { protocol: 'pygase' }).join(seat)).rejects.toThrow(
      /PyGaSe client cannot join rooms/,
    );
    await expect(client('ann').join({ ...seat, ticket: '!' })).rejects.toThrow(/base64url/);
    await rooms.shutdown();
  });
});

describe("a farewell's repeated CLOSE to a room server", () => {
  it('goes to the room its client left, which answers it again; none is unroutable', async () => {
    const scheduler = new SimulationScheduler();
    const network = new MemoryNetwork(scheduler);
    // The kinds of the rxgase packets the server sends to ann.
    const toAnn: number[] = [];
    const rooms = new RoomServer({
      scheduler,
      bind: async (port, host) => {
        const transport = network.bind({ host, port: port || 7000 });
        const send = (datagram: Datagram): void => {
          if (datagram.address.host === 'ann' && isRxgasePacket(datagram.data)) {
            toAnn.push(datagram.data[4] ?? -1);
          }
          transport.send(datagram);
        };
        return { ...transport, send };
      },
    }).define('arena', arena);
    const { within, pass } = virtualTime(scheduler);
    await rooms.run(7000, 'server');
    const ann = new Client<Arena>({
      scheduler,
      bind: async () => network.bind({ host: 'ann', port: 1 }),
      resolve: async (host) => host,
    });
    await within(ann.join(await rooms.joinOrCreate('arena')));
    await pass(100);
    const unroutable = rooms.stats.unroutable;
    toAnn.length = 0;
    // Two CLOSEs: the room closes the session at the first and answers each.
    await ann.disconnect();
    await pass(2000);
    expect(toAnn.filter((kind) => kind === PacketKind.Close)).toHaveLength(2);
    expect(rooms.stats.unroutable).toBe(unroutable);
    await rooms.shutdown();
  });
});
