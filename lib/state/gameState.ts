import { GAME_STATUS_KEY, TIME_ORDER_KEY } from '../protocol/constants';
import { InvalidStateError } from '../protocol/errors';
import { toSqn } from '../protocol/sequence';

/**
 * Whether the game loop is running. PyGaSe's `GameStatus`, with the same wire values.
 *
 * @category State
 */
export const GameStatus = {
  Paused: 0,
  Active: 1,
} as const;
export type GameStatus = (typeof GameStatus)[keyof typeof GameStatus];

/**
 * The game state: your own keys, plus `time_order` (which update made it; higher is newer, across
 * the 16-bit wrap) and `game_status`. Treat it as immutable: {@link applyUpdate} returns a new one.
 *
 * @typeParam T Your own keys.
 *
 * @category State
 */
export type GameState<T extends object = Record<string, unknown>> = T & {
  readonly time_order: number;
  readonly game_status: GameStatus;
};

/**
 * A change to the game state: the keys to set (nested objects merge into the state's), keys set to
 * {@link TO_DELETE} to remove, optionally `game_status`, and the `time_order` it brings the state
 * to. An update whose `time_order` is not newer than the state's changes nothing.
 *
 * @category State
 */
export interface GameStateUpdate {
  readonly time_order: number;
  readonly game_status?: GameStatus;
  readonly [key: string]: unknown;
}

/** The keys of a state or update that are not the game's own. */
export const RESERVED_KEYS: ReadonlySet<string> = new Set([TIME_ORDER_KEY, GAME_STATUS_KEY]);

/**
 * Makes a game state, as PyGaSe's `GameState(time_order=0, game_status=PAUSED, **kwargs)`.
 *
 * ## Example
 * ```ts
 * const state = createGameState({ foo: 0.4, bar: 1 });
 * // { foo: 0.4, bar: 1, time_order: 0, game_status: GameStatus.Paused }
 * ```
 *
 * @param custom Your keys, and optionally `time_order` and `game_status`.
 * @throws {@link SequenceRangeError} If `time_order` is not in 0..65535.
 * @throws {@link InvalidStateError} If `game_status` is not a {@link GameStatus}.
 *
 * @category State
 */
export function createGameState<T extends object>(
  custom: T & { time_order?: number; game_status?: GameStatus },
): GameState<Omit<T, 'time_order' | 'game_status'>> {
  const gameStatus = custom.game_status ?? GameStatus.Paused;
  if (!isGameStatus(gameStatus)) {
    throw new InvalidStateError(
      `game_status must be 0 (Paused) or 1 (Active), got ${String(gameStatus)}`,
    );
  }
  return {
    ...custom,
    time_order: toSqn(custom.time_order ?? 0, 'time_order'),
    game_status: gameStatus,
  } as GameState<Omit<T, 'time_order' | 'game_status'>>;
}

/**
 * Whether the game is paused.
 *
 * @category State
 */
export function isPaused(state: GameState): boolean {
  return state.game_status === GameStatus.Paused;
}

/**
 * Whether `value` is a {@link GameStatus}.
 *
 * @category State
 */
export function isGameStatus(value: unknown): value is GameStatus {
  return value === GameStatus.Paused || value === GameStatus.Active;
}
