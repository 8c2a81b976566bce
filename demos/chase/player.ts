/** What the terminal client and the bots share: joining, and moving. */
import { filter, firstValueFrom, map } from 'rxjs';
import { Client } from '../../lib/index';
import type { Chase } from './game';

export interface Joined {
  client: Client<Chase>;
  id: string;
  move(position: [number, number]): void;
}

/** Connects, joins under `name`, and resolves once the server said which player we are. */
export async function joinGame(port: number, host: string, name: string): Promise<Joined> {
  const client = new Client<Chase>();
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
