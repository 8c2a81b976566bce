import { createGameState } from '../../lib/index';
import type { GameState, NoEvents } from '../../lib/index';
import type { TestGameParts } from '../../lib/testing/index';

export type Race = GameState<{
  players: Record<string, { x: number }>;
  winner: string | null;
  /** Seconds of play, summed by the time step. */
  clock: number;
}>;

/** The race's events: clients join and move; the server sends none. */
export interface RaceEvents {
  toServer: { JOIN: { name: string }; MOVE: { name: string; x: number } };
  toClient: NoEvents;
}

/** Where the race ends. */
export const FINISH = 5;

/**
 * A race: players JOIN at x 0 and MOVE to an x; the first to reach the finish wins. The time step
 * keeps the clock. Moves set x rather than add to it, since every handler of a tick sees the state
 * the tick started from.
 */
export function race(): TestGameParts<Race, RaceEvents> {
  return {
    initialState: createGameState({ players: {}, winner: null, clock: 0 }) as Race,
    timeStep: (state, dt) => ({ clock: state.clock + dt }),
    eventHandlers: {
      JOIN: ({ name }) => ({ players: { [name]: { x: 0 } } }),
      MOVE: ({ name, x }, { gameState }) => ({
        players: { [name]: { x } },
        ...(x >= FINISH && gameState.winner === null && { winner: name }),
      }),
    },
  };
}
