/**
 * What the terminal client, the bots and the web page share: joining, and moving. It imports the
 * browser entry, which has all it needs and runs in Node as well.
 */
import { filter, firstValueFrom, map } from 'rxjs';
import { Client } from '../../lib/browser';
import type { ClientOptions } from '../../lib/browser';
import type { Chase } from './game';

export interface Joined {
  client: Client<Chase>;
  id: string;
  move(position: [number, number]): void;
}

/**
 * Connects (over UDP, unless `options` say otherwise), joins under `name`, and resolves once the
 * server said which player we are.
 */
export async function joinGame(
  port: number,
  host: string,
  name: string,
  options: ClientOptions = {},
): Promise<Joined> {
  const client = new Client<Chase>(options);
  await client.connect(port, host);
  const created = firstValueFrom(
    client.on('PLAYER_CREATED').pipe(map((event) => String(event.args[0]))),
  );
  client.dispatchEvent('JOIN', [name], {}, { retries: 5 }).subscribe({ error: () => undefined });
  const id = await created;
  await client.waitUntil((state) => id in state.players);
  return {
    client,
    id,
    move: (position) =>
      client.dispatchEvent('MOVE', [id, position]).subscribe({ error: () => undefined }),
  };
}

/** The state, each time it changes. */
export function states(joined: Joined) {
  return joined.client.state$.pipe(filter((state) => joined.id in state.players));
}
