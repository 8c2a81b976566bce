import { createServer } from 'node:http';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { filter, firstValueFrom, lastValueFrom, take, timeout, toArray } from 'rxjs';
import { Client } from '../../lib/client/client';
import { ROOMS_ERROR } from '../../lib/client/matchmaking';
import { ROOMS_ERROR as EXPORTED } from '../../lib/index';
import type { HandlerError } from '../../lib/connection/eventHandlers';
import { MatchmakingError } from '../../lib/protocol/errors';
import { Matchmaker } from '../../lib/rooms/matchmaker';
import { RoomServer } from '../../lib/rooms/roomServer';
import { arenaRoom } from '../helpers/arenaRoom';

const WAIT_MS = 10_000;

/*
 * A lobby lists the rooms with `rooms$`, polling the matchmaker over HTTP. A listing that gets no
 * answer, or a server's error, as when a matchmaker restarts behind a proxy, is told on the
 * client's `errors$` and asked again: the lobby goes on. What the matchmaker refuses ends it.
 */

type Front = (request: IncomingMessage, response: ServerResponse, count: number) => boolean;

/**
 * A room server with one room, and its matchmaker behind a front on 127.0.0.1 that answers the
 * listings itself while `front` says so (given the count of listings so far).
 */
async function behindFront(front: Front) {
  const rooms = new RoomServer();
  rooms.define('arena', arenaRoom);
  await rooms.run(0, '127.0.0.1');
  await rooms.create('arena', { name: 'first' });
  const matchmaker = new Matchmaker(rooms);
  let listings = 0;
  const http: HttpServer = createServer((request, response) => {
    if (front(request, response, ++listings)) return;
    void matchmaker.handle(request, response);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const client = new Client({ matchmaker: url });
  const errors: HandlerError[] = [];
  client.errors$.subscribe((error) => errors.push(error));
  const stop = async (): Promise<void> => {
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
    await matchmaker.close();
    await rooms.shutdown();
  };
  return { client, errors, stop };
}

describe("a client's listing of rooms", () => {
  it('goes on past no answer and a server error, telling each on errors$', async () => {
    const { client, errors, stop } = await behindFront((request, response, count) => {
      // The first listing gets no answer at all, the second a proxy's 503.
      if (count === 1) return (void request.socket.destroy(), true);
      if (count === 2) return (void response.writeHead(503).end(), true);
      return false;
    });
    try {
      const listing = await firstValueFrom(
        client.rooms$('arena', 50).pipe(
          filter((found) => found.length > 0),
          timeout(WAIT_MS),
        ),
      );
      expect(listing.map((room) => room.metadata.name)).toEqual(['first']);
      expect(errors.map(({ type }) => type)).toEqual([ROOMS_ERROR, ROOMS_ERROR]);
      expect(EXPORTED).toBe(ROOMS_ERROR);
      const statuses = errors.map(({ error }) => (error as MatchmakingError).status);
      expect(statuses).toEqual([0, 503]);
      expect(errors.every(({ error }) => error instanceof MatchmakingError)).toBe(true);
    } finally {
      await stop();
    }
  });

  it('keeps listing after a failure in the middle', async () => {
    const { client, errors, stop } = await behindFront((_request, response, count) => {
      if (count !== 3) return false;
      response.writeHead(502).end();
      return true;
    });
    try {
      const listings = await lastValueFrom(
        client.rooms$('arena', 50).pipe(take(4), toArray(), timeout(WAIT_MS)),
      );
      expect(listings.map((found) => found.length)).toEqual([1, 1, 1, 1]);
      expect(errors.map(({ error }) => (error as MatchmakingError).status)).toEqual([502]);
    } finally {
      await stop();
    }
  });

  it('ends with what the matchmaker refuses, which asking again would not change', async () => {
    const { client, errors, stop } = await behindFront((_request, response) => {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: 'no such endpoint', code: 'ERR_NOT_FOUND' }));
      return true;
    });
    try {
      const failure = await firstValueFrom(client.rooms$('arena', 50).pipe(timeout(WAIT_MS))).catch(
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(MatchmakingError);
      expect((failure as MatchmakingError).status).toBe(404);
      expect(errors).toEqual([]);
    } finally {
      await stop();
    }
  });
});
