import { Subject, filter, firstValueFrom, take, timeout, toArray } from 'rxjs';
import { Backend } from '../../lib/backend/backend';
import { Client } from '../../lib/client/client';
import { interpolate } from '../../lib/operators/interpolate';
import { predict } from '../../lib/operators/predict';
import { lineMoves } from '../helpers/lineMoves';
import type { Move } from '../helpers/lineMoves';
import { createGameState } from '../../lib/state/gameState';
import type { GameState } from '../../lib/state/gameState';

/** A ball that rolls 100 a second, and a player on a line that moves when told. */
type Field = GameState<{ ball: number; x: number; lastMove: number }>;

/** A real server and client over UDP on 127.0.0.1. */
async function connected() {
  let x = 0;
  let lastMove = 0;
  const backend = new Backend<Field>(
    createGameState({ ball: 0, x, lastMove }) as Field,
    (state, dt) => ({ ball: state.ball + 100 * dt }),
    {
      // In order, as prediction needs; on a clean loopback they come in order anyway.
      MOVE: ({ seq, dx }) => {
        if (seq !== lastMove + 1 || typeof dx !== 'number') return undefined;
        x += dx;
        lastMove = seq;
        return { x, lastMove };
      },
    },
  );
  const { port } = await backend.run('127.0.0.1', 0);
  const client = new Client<Field>();
  await client.connect(port, '127.0.0.1');
  return { backend, client };
}

describe('interpolation and prediction over real UDP', () => {
  it('draws the rolling ball between the states that came, a frame every 5 ms', async () => {
    const { backend, client } = await connected();
    try {
      const arrived: number[] = [];
      client.state$.subscribe((state) => arrived.push(state.ball));
      const frames = await firstValueFrom(
        client.state$.pipe(
          interpolate({
            lerp: (from, to, t) => ({ ...to, ball: from.ball + (to.ball - from.ball) * t }),
            delayMs: 60,
            frameMs: 5,
          }),
          // Once the ball moves: past the first states held.
          filter((state) => state.ball > arrived[1]!),
          take(20),
          toArray(),
          timeout(10_000),
        ),
      );
      const balls = frames.map((state) => state.ball);
      // Never backwards, and in between the states: frames the server never sent.
      for (let i = 1; i < balls.length; i++) expect(balls[i]).toBeGreaterThanOrEqual(balls[i - 1]!);
      expect(balls.filter((ball) => !arrived.includes(ball)).length).toBeGreaterThan(0);
    } finally {
      await client.disconnect();
      await backend.shutdown();
    }
  });

  it("shows the player's own moves at once, and the server's state once it has them", async () => {
    const { backend, client } = await connected();
    try {
      const moves = new Subject<Move>();
      let shown = client.state;
      client.state$.pipe(predict(lineMoves(moves))).subscribe((state) => (shown = state));
      for (let seq = 1; seq <= 5; seq++) {
        client.dispatchEvent('MOVE', { seq, dx: 10 }).subscribe();
        moves.next({ seq, dx: 10 });
        // At once, where the server's state has not moved yet.
        expect(shown.x).toBe(seq * 10);
      }
      expect(client.state.x).toBeLessThan(50);
      await client.waitUntil((state) => state.lastMove === 5);
      expect(client.state.x).toBe(50);
      expect(shown.x).toBe(50);
    } finally {
      await client.disconnect();
      await backend.shutdown();
    }
  });
});
