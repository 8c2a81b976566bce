import { Backend, Client, createGameState } from '../../lib/index';
import type { GameState } from '../../lib/index';
import type { Result } from '../measure';
import { msPercentiles, now } from '../measure';

type World = GameState<{ players: Record<string, { x: number; y: number; name: string }> }>;

/** `count` players `{ x, y, name }`: 9,000 of them are 256 KiB as a compact update. */
function players(count: number): World['players'] {
  return Object.fromEntries(
    Array.from({ length: count }, (_, i) => [
      `p${i}`,
      { x: i * 1.5, y: i * 2.5, name: `player ${i}` },
    ]),
  );
}

/**
 * state.large_join_p50_ms and state.large_join_p99_ms: the time from `client.connect` to the
 * whole state, for `joins` clients one after another joining a world of 9,000 players (256 KiB,
 * sent as a block of slices) over UDP on 127.0.0.1. The baseline is the same join to a world of
 * 100 players, in the same run, one of each in turn: what the size of the state adds to a join.
 */
export async function largeJoin(joins: number): Promise<Result[]> {
  const serve = (count: number): Backend<World> =>
    new Backend<World>(
      createGameState({ players: players(count) }) as World,
      () => ({}),
      {},
      { maxClients: Infinity, maxClientsPerAddress: Infinity, rateLimit: false },
    );
  const [large, small] = [serve(9000), serve(100)];
  const [largeAt, smallAt] = [await large.run('127.0.0.1', 0), await small.run('127.0.0.1', 0)];
  const timed = async (port: number, count: number): Promise<number> => {
    const client = new Client<World>();
    const start = now();
    try {
      await client.connect(port, '127.0.0.1');
      const took = Number(now() - start) / 1e6;
      if (Object.keys(client.state.players).length !== count) {
        throw new Error(`a client joined a world of ${count} players without all of them`);
      }
      return took;
    } finally {
      await client.disconnect();
    }
  };
  try {
    const [joined, baseline]: [number[], number[]] = [[], []];
    for (let i = 0; i < joins; i++) {
      joined.push(await timed(largeAt.port, 9000));
      baseline.push(await timed(smallAt.port, 100));
    }
    return msPercentiles('state.large_join', joined, baseline);
  } finally {
    await large.shutdown();
    await small.shutdown();
  }
}
