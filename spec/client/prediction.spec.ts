import { Subject } from 'rxjs';
import { predict } from '../../lib/operators/predict';
import { lineMoves } from '../helpers/lineMoves';
import type { Move } from '../helpers/lineMoves';
import { createGameState } from '../../lib/state/gameState';
import type { GameState } from '../../lib/state/gameState';
import { TestWorld } from '../../lib/testing/index';

/** One player on a line, and the last of its moves the server applied. */
type Line = GameState<{ x: number; lastMove: number }>;

const STEP = 5;
const MOVE_EVERY_MS = 50;
const MOVES = 60;
/**
 * The bound on the predicted position's error: none at all. The server applies the moves in their
 * order (a move that comes before one it follows, after a loss, waits for it), so a state that
 * acknowledges move n holds exactly moves 1 to n, and the prediction adds exactly the others.
 */
const BOUND = 0;

/**
 * The world: the line game on a network of 125 ms each way (250 ms round trips), with jitter and
 * loss. MOVE applies the player's moves in the order of their numbers.
 */
async function lineWorld(seed: number): Promise<TestWorld<Line>> {
  // The server's own count of the moves, which the state mirrors: every handler of a tick sees
  // the state the tick started from, so two moves handled in one tick must not both start there.
  let x = 0;
  let lastMove = 0;
  /** Moves that came before one they follow, by number. */
  const early = new Map<number, number>();
  return TestWorld.start<Line>({
    initialState: createGameState({ x, lastMove }) as Line,
    eventHandlers: {
      MOVE: ({ seq, dx }) => {
        if (typeof seq !== 'number' || typeof dx !== 'number' || seq <= lastMove) return undefined;
        early.set(seq, dx);
        for (
          let next = early.get(lastMove + 1);
          next !== undefined;
          next = early.get(lastMove + 1)
        ) {
          early.delete(lastMove + 1);
          x += next;
          lastMove++;
        }
        return { x, lastMove };
      },
    },
    network: { latencyMs: 125, jitterMs: 15, loss: 0.05 },
    seed,
  });
}

describe('a predicted player, 250 ms from its server', () => {
  it.each([1, 2, 3])(
    `stays within ${BOUND} of where its moves put it, where the server's state lags (seed %d)`,
    async (seed) => {
      const world = await lineWorld(seed);
      const ann = await world.connect('ann');
      const moves = new Subject<Move>();
      let shown = ann.state;
      ann.state$.pipe(predict(lineMoves(moves))).subscribe((state) => (shown = state));
      let intended = 0;
      const predictedErrors: number[] = [];
      const serverErrors: number[] = [];
      for (let seq = 1; seq <= MOVES; seq++) {
        ann.dispatchEvent('MOVE', { seq, dx: STEP }, { retries: 10 }).subscribe();
        moves.next({ seq, dx: STEP });
        intended += STEP;
        // Sampled all along the way, between two moves.
        for (let sample = 0; sample < 5; sample++) {
          await world.advance(MOVE_EVERY_MS / 5);
          predictedErrors.push(Math.abs(shown.x - intended));
          serverErrors.push(Math.abs(ann.state.x - intended));
        }
      }
      expect(Math.max(...predictedErrors)).toBeLessThanOrEqual(BOUND);
      // Without prediction, the player sees its moves a round trip late: five moves and more.
      expect(Math.max(...serverErrors)).toBeGreaterThanOrEqual(5 * STEP);
      // Once every move landed, the prediction is the server's state.
      await world.until(ann, (state) => state.lastMove === MOVES && state.x === intended);
      expect(shown).toEqual(ann.state);
      await world.shutdown();
    },
  );
});
