import {
  Backend,
  Client,
  Matchmaker,
  RoomServer,
  TO_DELETE,
  createGameState,
} from '../../lib/index';
import type { GameState } from '../../lib/index';
import type { Result } from '../measure';
import { msPercentiles, now } from '../measure';

type Arena = GameState<{ players: Record<string, { x: number }> }>;

/** Players a room takes: joins fill rooms and make new ones. */
const ROOM_SIZE = 8;

/**
 * rooms.join_p50_ms and rooms.join_p99_ms: the time from `client.joinOrCreate` to the room's first
 * state, for `joins` players one after another, each asking a matchmaker over HTTP on 127.0.0.1
 * for a seat (a connect token) and joining its room over UDP; eight a room, so a join finds a
 * room or makes one. The baseline is `client.connect` to a one-game `Backend` and its first state,
 * in the same run, one of each in turn: what rooms and matchmaking add to a join.
 */
export async function roomJoin(joins: number): Promise<Result[]> {
  const rooms = new RoomServer({ tokens: { secret: 'the bench secret, sixteen bytes or more' } });
  rooms.define<Arena>('arena', {
    initialState: () => createGameState({ players: {} }) as Arena,
    timeStep: () => ({}),
    onJoin: ({ clientKey }) => ({ players: { [clientKey]: { x: 0 } } }),
    onLeave: ({ clientKey }) => ({ players: { [clientKey]: TO_DELETE } }),
    maxClients: ROOM_SIZE,
    // Every player comes from 127.0.0.1: no cap of an address's in the way.
    serverOptions: { maxClientsPerAddress: Infinity, rateLimit: false },
  });
  await rooms.run(0, '127.0.0.1');
  const matchmaker = new Matchmaker(rooms);
  const { port } = await matchmaker.listen(0, '127.0.0.1');
  const backend = new Backend(
    createGameState({ players: {} }),
    () => ({}),
    {},
    {
      maxClients: Infinity,
      maxClientsPerAddress: Infinity,
      rateLimit: false,
    },
  );
  const game = await backend.run('127.0.0.1', 0);
  const clients: Client<Arena>[] = [];
  const timed = async (client: Client<Arena>, join: () => Promise<void>): Promise<number> => {
    clients.push(client);
    const start = now();
    await join();
    return Number(now() - start) / 1e6;
  };
  try {
    const matchmakerUrl = `http://127.0.0.1:${port}`;
    // One of each in turn, so both meet the same load of the players joined before.
    const joined: number[] = [];
    const connected: number[] = [];
    for (let i = 0; i < joins; i++) {
      const player = new Client<Arena>({ matchmaker: matchmakerUrl });
      joined.push(await timed(player, () => player.joinOrCreate('arena')));
      const other = new Client<Arena>();
      connected.push(await timed(other, () => other.connect(game.port, '127.0.0.1')));
    }
    return msPercentiles('rooms.join', joined, connected);
  } finally {
    for (const client of clients) await client.disconnect();
    await matchmaker.close();
    await rooms.shutdown();
    await backend.shutdown();
  }
}
