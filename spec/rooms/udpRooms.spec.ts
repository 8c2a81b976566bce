import { firstValueFrom, filter } from 'rxjs';
import { WebSocket } from 'ws';
import { Client } from '../../lib/client/client';
import { mergeTransports } from '../../lib/transport/mergeTransports';
import { bindUdp } from '../../lib/transport/udpTransport';
import { webSocketClientTransport } from '../../lib/transport/webSocketClient';
import { listenWebSocket } from '../../lib/transport/webSocketServer';
import { RoomServer } from '../../lib/rooms/roomServer';
import { arenaRoom } from '../helpers/arenaRoom';
import type { ArenaRoom } from '../helpers/arenaRoom';

type Arena = ArenaRoom;
const arena = arenaRoom;

describe('rooms over real UDP on 127.0.0.1', () => {
  it('hosts a lobby for PyGaSe clients and rooms joined by reservation, on one port', async () => {
    const rooms = new RoomServer({ defaultRoom: { type: 'arena', options: { name: 'lobby' } } });
    rooms.define('arena', arena);
    const { port } = await rooms.run(0, '127.0.0.1');
    const ann = new Client<Arena>();
    const bob = new Client<Arena>();
    const old = new Client<Arena>({ protocol: 'pygase' });
    try {
      const seat = await rooms.joinOrCreate('arena', { name: 'duel' });
      expect(seat.address).toEqual({ host: '127.0.0.1', port });
      await ann.join(seat);
      // Alone in the room, ann's player is the one there: its key is her address.
      await ann.waitUntil((state) => Object.keys(state.players).length === 1);
      const annKey = Object.keys(ann.state.players)[0] as string;
      await bob.join(await rooms.joinOrCreate('arena'));
      await old.connect(port, '127.0.0.1');
      expect(ann.state.name).toBe('duel');
      expect(old.state.name).toBe('lobby');

      // Each room its own game: bob sees ann move; the lobby's client never sees either.
      ann.dispatchEvent('MOVE', [], { x: 7 });
      await bob.waitUntil((state) => state.players[annKey]?.x === 7);
      await old.waitUntil((state) => Object.keys(state.players).length === 1);
      expect(old.state.players[annKey]).toBeUndefined();
      expect(Object.keys(bob.state.players)).toHaveLength(2);

      // Leaving: gone for the other; the last out disposes the room.
      const disposed = firstValueFrom(
        rooms.rooms$.pipe(filter((listing) => !listing.some((r) => r.roomId === seat.roomId))),
      );
      await ann.disconnect();
      await bob.waitUntil((state) => state.players[annKey] === undefined);
      await bob.disconnect();
      await disposed;
      expect(rooms.room(`port-${port}`)?.info.clients).toBe(1);
    } finally {
      await ann.disconnect();
      await bob.disconnect();
      await old.disconnect();
      await rooms.shutdown();
    }
  });

  it('seats a WebSocket client and a UDP one in the same room of a server that takes both', async () => {
    const rooms = new RoomServer({
      bind: async (port, host) =>
        mergeTransports(await bindUdp({ port, host }), await listenWebSocket({ port: 0, host })),
    });
    rooms.define('arena', arena);
    await rooms.run(0, '127.0.0.1');
    const browser = new Client<Arena>({
      bind: async () => webSocketClientTransport({ WebSocket }),
    });
    const terminal = new Client<Arena>();
    try {
      const seat = await rooms.joinOrCreate('arena');
      expect(seat.webSocket?.port).toBeGreaterThan(0);
      expect(seat.webSocket?.port).not.toBe(seat.address.port);
      await browser.join(seat);
      await terminal.join(await rooms.joinOrCreate('arena'));
      await browser.waitUntil((state) => Object.keys(state.players).length === 2);
      expect(rooms.list()).toHaveLength(1);
      expect(rooms.list()[0]?.clients).toBe(2);
    } finally {
      await browser.disconnect();
      await terminal.disconnect();
      await rooms.shutdown();
    }
  });
});
