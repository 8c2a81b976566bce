import type { EventArgs } from '../connection/eventHandlers';
import { InvalidStateError } from '../protocol/errors';
import type {
  AnyEvents,
  AnyPayload,
  EventType,
  GameEvents,
  HandlerPayload,
} from '../protocol/events';
import type { GameState } from '../state/gameState';
import { RESERVED_KEYS } from '../state/gameState';
import type { StateChanges } from '../state/stateChanges';
import { copyData, isPlainObject } from '../state/values';
import type { Address } from '../transport/datagram';
import { setEntry } from '../util/setEntry';

/**
 * Advances the game by `dt` seconds: returns the changes, or nothing when nothing changed.
 * Returning `game_status: GameStatus.Paused` stops the loop.
 *
 * @category Server/Backend
 */
export type TimeStep<S extends GameState<object> = GameState> = (
  gameState: S,
  dt: number,
  // eslint-disable-next-line @typescript-eslint/no-invalid-void-type -- game code may return nothing
) => StateChanges<S> | void;

/**
 * What a game-loop handler gets beside the event's payload: the state the tick started from, its
 * `dt`, who sent the event, and the event's positional arguments. None of it can be shadowed by a
 * keyword argument of the event: those are in the payload.
 *
 * @category Server/Backend
 */
export interface HandlerContext<S extends GameState<object> = GameState> extends EventArgs {
  readonly gameState: S;
  readonly dt: number;
  /** The client that sent the event; none for an event the server pushed itself. */
  readonly clientAddress: Address | undefined;
}

/**
 * Handles one type of event in the game loop: called with the event's payload (its keyword
 * arguments) and a {@link HandlerContext}; returns the changes to the state, or nothing. A
 * handler written as PyGaSe's are (positional arguments, then keyword arguments and context in
 * one object) fits once wrapped in {@link pygaseHandler}.
 *
 * @typeParam S The state.
 * @typeParam P The payload.
 * @category Server/Backend
 */
export type GameEventHandler<S extends GameState<object> = GameState, P = AnyPayload> = (
  payload: HandlerPayload<P>,
  context: HandlerContext<S>,
  // eslint-disable-next-line @typescript-eslint/no-invalid-void-type -- game code may return nothing
) => StateChanges<S> | void;

/**
 * A handler for each type of event clients send, as a backend takes them.
 *
 * @category Server/Backend
 */
export type GameEventHandlers<
  S extends GameState<object> = GameState,
  E extends GameEvents = AnyEvents,
> = {
  readonly [K in EventType<E['toServer']>]?: GameEventHandler<S, E['toServer'][K]>;
};

/**
 * A time step or handler that threw, and where.
 *
 * @category Server/Backend
 */
export interface HandlerFailure {
  /**
   * `'timeStep'`, the type of the event whose handler threw, or `'eventQueue'` for a client's
   * events dropped as its queue was full (the error an `EventQueueFullError`).
   */
  readonly source: string;
  readonly error: unknown;
}

/**
 * The changes game code returned, as the loop takes them: nothing is no change; the keys the
 * loop owns are dropped, but `game_status`; the values are copied.
 *
 * @param source What returned them, for the message: `'timeStep'` or an event type.
 * @throws {@link InvalidStateError} If they are not a plain object of plain data.
 */
// eslint-disable-next-line @typescript-eslint/no-invalid-void-type -- game code may return nothing
export function ownChanges(source: string, changes: StateChanges | void): StateChanges {
  if (changes === undefined || changes === null) return {};
  if (!isPlainObject(changes)) {
    throw new InvalidStateError(
      `${source} must return a plain object of state changes, or nothing`,
    );
  }
  const own: Record<string, unknown> = {};
  for (const key of Object.keys(changes)) {
    if (!RESERVED_KEYS.has(key) || key === 'game_status') setEntry(own, key, changes[key]);
  }
  return copyData(own) as StateChanges; // refuses what is not plain data, here
}
