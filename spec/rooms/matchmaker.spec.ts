import { firstValueFrom, filter } from 'rxjs';
import { Client } from '../../lib/client/client';
import { AuthRefusedError, NoSuchRoomError } from '../../lib/protocol/errors';
import type { Reservation } from '../../lib/protocol/tickets';
import { Matchmaker } from '../../lib/rooms/matchmaker';
import { RoomServer } from '../../lib/rooms/roomServer';
import { silentLogger } from '../../lib/util/logger';
import { arenaRoom } from '../helpers/arenaRoom';
import type { ArenaRoom } from '../helpers/arenaRoom';

/** A room server over UDP and its matchmaker over HTTP, both on 127.0.0.1, tokens required. */
async function serve() {
  const joined: (string | undefined)[] = [];
  const rooms = new RoomServer({ tokens: { secret: 'the secret both share, 16+ bytes' } });
  rooms.define('arena', {
    ...arenaRoom,
    maxClients: 2,
    onJoin: (context) => {
      joined.push(context.clientId);
      return arenaRoom.onJoin?.(context);
    },
  });
  await rooms.run(0, '127.0.0.1');
  const matchmaker = new Matchmaker(rooms, {
    auth: (credentials) => {
      const { user, password } = (credentials ?? {}) as { user?: string; password?: string };
      if (password !== 'open sesame') throw new AuthRefusedError('wrong password');
      return String(user);
    },
  });
  const { port } = await matchmaker.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${port}`;
  const player = (user: string, password = 'open sesame') =>
    new Client<ArenaRoom>({ matchmaker: url, credentials: { user, password } });
  const stop = async (...clients: Client<ArenaRoom>[]): Promise<void> => {
    for (const client of clients) await client.disconnect();
    await matchmaker.close();
    await rooms.shutdown();
  };
  return { rooms, matchmaker, url, player, joined, stop };
}

const post = (url: string, body: string) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

describe('the matchmaker, over HTTP and UDP on 127.0.0.1', () => {
  it('seats players by their credentials, lists the rooms, and the room knows who each is', async () => {
    const { rooms, player, joined, stop } = await serve();
    const [ann, bob, cat] = [player('ann'), player('bob'), player('cat')];
    try {
      await ann.joinOrCreate('arena', { name: 'first' });
      await bob.joinOrCreate('arena');
      await cat.create('arena', { name: 'second' });
      await bob.waitUntil((state) => Object.keys(state.players).length === 2);
      expect(bob.state.name).toBe('first');
      await cat.waitUntil((state) => Object.keys(state.players).length === 1);
      expect(cat.state.name).toBe('second');
      expect(joined.sort()).toEqual(['ann', 'bob', 'cat']);

      const listing = await firstValueFrom(
        cat.rooms$('arena', 200).pipe(filter((found) => found.every((r) => r.reserved === 0))),
      );
      expect(listing.map(({ clients, metadata }) => [clients, metadata.name]).sort()).toEqual([
        [1, 'second'],
        [2, 'first'],
      ]);
      // By id: the second room has a seat; the first is full.
      const second = listing.find((room) => room.clients === 1)?.roomId as string;
      const first = listing.find((room) => room.clients === 2)?.roomId as string;
      const dan = player('dan');
      await dan.join(second);
      await dan.waitUntil((state) => Object.keys(state.players).length === 2);
      await expect(player('eve').join(first)).rejects.toBeInstanceOf(NoSuchRoomError);
      expect(rooms.stats.invalidTokens).toBe(0);
      await dan.leave();
    } finally {
      await stop(ann, bob, cat);
    }
  });

  it('refuses what its auth refuses, types it does not know, and no one gets in without a seat', async () => {
    const { rooms, player, stop } = await serve();
    try {
      await expect(player('mallory', 'guess').joinOrCreate('arena')).rejects.toBeInstanceOf(
        AuthRefusedError,
      );
      await expect(player('ann').joinOrCreate('nothing')).rejects.toBeInstanceOf(NoSuchRoomError);
      const { port } = rooms.address;
      await expect(new Client().connect(port, '127.0.0.1')).rejects.toMatchObject({
        reason: 'invalid token',
      });
      expect(rooms.list()).toEqual([]);
    } finally {
      await stop();
    }
  });

  it('answers bad requests with a status and a code, and lets browsers ask from another origin', async () => {
    const { url, stop } = await serve();
    try {
      const preflight = await fetch(`${url}/matchmake/joinOrCreate/arena`, { method: 'OPTIONS' });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
      const answers = await Promise.all([
        post(`${url}/matchmake/joinOrCreate/arena`, '{not json'),
        post(`${url}/matchmake/joinOrCreate/arena`, '[1]'),
        post(`${url}/matchmake/joinOrCreate/arena`, JSON.stringify({ options: 3 })),
        post(`${url}/matchmake/teleport/arena`, '{}'),
        fetch(`${url}/elsewhere`),
        post(`${url}/matchmake/create/arena`, 'x'.repeat(70 * 1024)),
        post(
          `${url}/matchmake/join/nowhere`,
          JSON.stringify({ credentials: { password: 'open sesame' } }),
        ),
        post(`${url}/matchmake/join/%E0%A4%A`, '{}'),
      ]);
      const bodies = await Promise.all(answers.map((a) => a.json() as Promise<{ code: string }>));
      expect(answers.map((a, i) => [a.status, bodies[i]?.code])).toEqual([
        [400, 'ERR_INVALID_ARGUMENT'],
        [400, 'ERR_INVALID_ARGUMENT'],
        [400, 'ERR_INVALID_ARGUMENT'],
        [404, 'ERR_NOT_FOUND'],
        [404, 'ERR_NOT_FOUND'],
        [413, 'ERR_BODY_TOO_LARGE'],
        [404, 'ERR_NO_SUCH_ROOM'],
        [400, 'ERR_INVALID_ARGUMENT'],
      ]);
      // A seat over HTTP is plain JSON.
      const seat = (await (
        await post(
          `${url}/matchmake/create/arena`,
          JSON.stringify({ credentials: { user: 'ann', password: 'open sesame' } }),
        )
      ).json()) as Reservation;
      expect(Object.keys(seat).sort()).toEqual(['address', 'roomId', 'ticket']);
    } finally {
      await stop();
    }
  });
  it('answers 503, and logs it, when it cannot serve: its room server not running', async () => {
    const rooms = new RoomServer().define('arena', arenaRoom);
    const warnings: string[] = [];
    const matchmaker = new Matchmaker(rooms, {
      logger: { ...silentLogger, warn: (message) => void warnings.push(message) },
    });
    const { port } = await matchmaker.listen(0, '127.0.0.1');
    try {
      const answer = await post(`http://127.0.0.1:${port}/matchmake/create/arena`, '{}');
      expect(answer.status).toBe(503);
      expect(await answer.json()).toEqual({
        error: 'the room server is not running',
        code: 'ERR_INVALID_STATE',
      });
      expect(warnings).toEqual([
        'The matchmaker could not serve a request: InvalidStateError: the room server is not running',
      ]);
    } finally {
      await matchmaker.close();
    }
  });
});
