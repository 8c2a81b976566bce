/**
 * What the terminal client, the bots and the web page share: joining, and moving. It imports the
 * browser entry, which has all it needs and runs in Node as well.
 */
import { catchError, filter, firstValueFrom, ignoreElements, map, merge, of, pairwise } from 'rxjs';
import type { Observable } from 'rxjs';
import { Client } from '../../lib/browser';
import type { ClientOptions, ConnectionStats } from '../../lib/browser';
import type { Chase, ChaseEvents } from './game';
import { MAX_NAME_LENGTH, playerName } from './game';

export interface Joined {
  client: Client<Chase, ChaseEvents>;
  id: string;
  /** Sends a MOVE to `position`, numbered `seq` if given (for prediction). */
  move(position: [number, number], seq?: number): void;
}

/**
 * Connects (over UDP, unless `options` say otherwise), joins under `name`, and resolves once the
 * server said which player we are. Rejects, and disconnects, as {@link playAs}.
 */
export async function joinGame(
  port: number,
  host: string,
  name: string,
  options: ClientOptions = {},
): Promise<Joined> {
  const checked = checkedName(name);
  const client = new Client<Chase, ChaseEvents>(options);
  await client.connect(port, host);
  return playAs(client, checked);
}

/**
 * Joins the game `client` is connected to (a server, or a room) under `name`, and resolves once
 * the server said which player we are. Rejects, and disconnects, if the name is not one the game
 * takes (checked here first, as the server does) or the server refuses the JOIN: the game is full.
 */
export async function playAs(client: Client<Chase, ChaseEvents>, name: string): Promise<Joined> {
  let checked: string;
  try {
    checked = checkedName(name);
  } catch (error) {
    await client.disconnect();
    throw error;
  }
  if (client.connection === undefined) throw new Error('the client is not connected');
  // The server's answer; or the JOIN not taken, or the connection closing, which end the wait too.
  const joinFailed$ = client.dispatchEvent('JOIN', { name: checked }, { retries: 5 }).pipe(
    ignoreElements(),
    catchError((error: unknown) => of({ refused: `the JOIN was not taken (${String(error)})` })),
  );
  const answered = await firstValueFrom(
    merge(
      client.on('PLAYER_CREATED').pipe(map((event) => ({ id: event.kwargs.id }))),
      client.on('JOIN_REFUSED').pipe(map((event) => ({ refused: event.kwargs.reason }))),
      client.disconnected$.pipe(
        map((reason) => ({ refused: `the connection closed (${reason})` })),
      ),
      joinFailed$,
    ),
  );
  if ('refused' in answered) {
    await client.disconnect();
    throw new Error(`the server refused to let us join: ${answered.refused}`);
  }
  const { id } = answered;
  await client.waitUntil((state) => id in state.players);
  return {
    client,
    id,
    move: (position, seq) =>
      client
        .dispatchEvent('MOVE', seq === undefined ? { position } : { position, seq })
        .subscribe({ error: () => undefined }),
  };
}

/** `name` as the game takes it. @throws If it takes no such name. */
function checkedName(name: string): string {
  const checked = playerName(name);
  if (checked === undefined) {
    throw new Error(`a name is 1 to ${MAX_NAME_LENGTH} printable characters, got "${name}"`);
  }
  return checked;
}

/** The state, each time it changes. */
export function states(joined: Joined) {
  return joined.client.state$.pipe(filter((state) => joined.id in state.players));
}

/**
 * The bytes a connection received each second, over every `periodMs` (default 1000), on the
 * connection's clock: the first once `periodMs` has passed. What a view saves shows here.
 */
export function bytesInPerSecond(
  connection: { stats$(periodMs: number): Observable<ConnectionStats> },
  periodMs = 1000,
): Observable<number> {
  return connection.stats$(periodMs).pipe(
    map((stats) => stats.bytesIn),
    pairwise(),
    map(([before, after]) => ((after - before) * 1000) / periodMs),
  );
}

/** `bytes` a second as people read it: 812 B/s, 12.4 kB/s. */
export function formatRate(bytes: number): string {
  return bytes < 1000 ? `${Math.round(bytes)} B/s` : `${(bytes / 1000).toFixed(1)} kB/s`;
}
