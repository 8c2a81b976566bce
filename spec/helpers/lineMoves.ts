import type { Observable } from 'rxjs';
import type { PredictOptions } from '../../lib/operators/predict';

/** A player's move along a line: its number, and how far. */
export interface Move {
  readonly seq: number;
  readonly dx: number;
}

/**
 * `predict`'s options for a player on a line: a move adds its `dx` to `x`, and the state's
 * `lastMove` is the number of the last move the server applied.
 */
export function lineMoves<S extends { readonly x: number; readonly lastMove: number }>(
  inputs: Observable<Move>,
): PredictOptions<S, Move> {
  return {
    inputs,
    apply: (state, move) => ({ ...state, x: state.x + move.dx }),
    sequenceOf: (move) => move.seq,
    acknowledged: (state) => state.lastMove,
  };
}
