import { EMPTY, NEVER } from 'rxjs';
import type { Observable } from 'rxjs';
import { predict } from '../../lib/operators/predict';
import type { PredictOptions } from '../../lib/operators/predict';
import { InvalidArgumentError } from '../../lib/protocol/errors';
import { testScheduler } from '../helpers/marbles';

/** A player on a line: where it is, and the last of its moves the server applied. */
interface Line {
  readonly x: number;
  readonly lastMove: number;
}
interface Move {
  readonly seq: number;
  readonly dx: number;
}

const moving = (inputs: Observable<Move>): PredictOptions<Line, Move> => ({
  inputs,
  apply: (state, move) => ({ ...state, x: state.x + move.dx }),
  sequenceOf: (move) => move.seq,
  acknowledged: (state) => state.lastMove,
});

const MOVES = { i: { seq: 1, dx: 1 }, j: { seq: 2, dx: 1 }, k: { seq: 3, dx: 1 } };

describe('predict', () => {
  it('shows each move at once, and each server state with the moves it has not applied on top', () => {
    testScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const moves = hot('--i--j-------', MOVES);
      const server = hot('s-----t---u--', {
        s: { x: 0, lastMove: 0 },
        t: { x: 1, lastMove: 1 }, // has i, not j yet: j goes on top
        u: { x: 2, lastMove: 2 },
      });
      expectObservable(server.pipe(predict(moving(moves)))).toBe('s-a--bc---d--', {
        s: { x: 0, lastMove: 0 },
        a: { x: 1, lastMove: 0 },
        b: { x: 2, lastMove: 0 },
        c: { x: 2, lastMove: 1 },
        d: { x: 2, lastMove: 2 },
      });
      expectSubscriptions(server.subscriptions).toBe('^');
      expectSubscriptions(moves.subscriptions).toBe('^');
    });
  });

  it('corrects to the server where it disagrees, keeping the moves it has not seen', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const moves = hot('-i-j------', MOVES);
      // A wall: the server applied i but left the player at 0.
      const server = hot('s----t----', { s: { x: 0, lastMove: 0 }, t: { x: 0, lastMove: 1 } });
      expectObservable(server.pipe(predict(moving(moves)))).toBe('sa-b-c----', {
        s: { x: 0, lastMove: 0 },
        a: { x: 1, lastMove: 0 },
        b: { x: 2, lastMove: 0 },
        c: { x: 1, lastMove: 1 },
      });
    });
  });

  it('applies moves made before the first state to it when it comes', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const moves = hot('ij--k-', MOVES);
      const server = hot('---s--', { s: { x: 10, lastMove: 0 } });
      expectObservable(server.pipe(predict(moving(moves)))).toBe('---ab-', {
        a: { x: 12, lastMove: 0 },
        b: { x: 13, lastMove: 0 },
      });
    });
  });

  it('completes and errs with its source, errs with its inputs, and lets both go', () => {
    testScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const state = { x: 0, lastMove: 0 };
      const ends = cold('s--|', { s: state });
      const fails = cold('s--#', { s: state });
      const badMoves = cold<Move>('-#');
      const moves = hot<Move>('------');
      expectObservable(ends.pipe(predict(moving(moves)))).toBe('s--|', { s: state });
      expectObservable(fails.pipe(predict(moving(moves)))).toBe('s--#', { s: state });
      const quiet = cold('s-----', { s: state });
      expectObservable(quiet.pipe(predict(moving(badMoves)))).toBe('s#', { s: state });
      expectSubscriptions(quiet.subscriptions).toBe('^!');
      expectSubscriptions(badMoves.subscriptions).toBe('^!');
      expectSubscriptions(moves.subscriptions).toBe(['^--!', '^--!']);
    });
  });

  it('stops listening to both when unsubscribed, and subscribes to no inputs for an empty source', () => {
    testScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const moves = hot<Move>('-i-j-', MOVES);
      const server = hot('s----', { s: { x: 0, lastMove: 0 } });
      expectObservable(server.pipe(predict(moving(moves))), '^--!').toBe('sa-', {
        s: { x: 0, lastMove: 0 },
        a: { x: 1, lastMove: 0 },
      });
      expectSubscriptions(server.subscriptions).toBe('^--!');
      expectSubscriptions(moves.subscriptions).toBe('^--!');
      const unheard = cold<Move>('-i', MOVES);
      // One that ends as it is subscribed to.
      expectObservable(EMPTY.pipe(predict(moving(unheard)))).toBe('|');
      expectSubscriptions(unheard.subscriptions).toBe('');
    });
  });

  it('errs with what apply, sequenceOf or acknowledged throws', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const boom = (): never => {
        throw new Error('boom');
      };
      const state = { x: 0, lastMove: 0 };
      const moves = hot('--i---', MOVES);
      const server = hot('s---t-', { s: state, t: state });
      expectObservable(server.pipe(predict({ ...moving(moves), apply: boom }))).toBe(
        's-#',
        { s: state },
        new Error('boom'),
      );
      expectObservable(server.pipe(predict({ ...moving(moves), acknowledged: boom }))).toBe(
        '#',
        undefined,
        new Error('boom'),
      );
      // Asked of the inputs pending when a state comes.
      expectObservable(server.pipe(predict({ ...moving(moves), sequenceOf: boom }))).toBe(
        's-a-#',
        { s: state, a: { x: 1, lastMove: 0 } },
        new Error('boom'),
      );
    });
  });

  it('names what it cannot take, at the call', () => {
    const good = moving(NEVER);
    for (const bad of [
      { ...good, inputs: [] },
      { ...good, apply: undefined },
      { ...good, sequenceOf: 'seq' },
      { ...good, acknowledged: null },
      undefined,
    ]) {
      expect(() => predict(bad as unknown as PredictOptions<Line, Move>)).toThrow(
        InvalidArgumentError,
      );
    }
  });
});
