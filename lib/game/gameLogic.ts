import type { AnyEvents, EventType, GameEvents, HandlerPayload } from '../protocol/events';
import type { GameState } from '../state/gameState';
import type { CheckedChanges, StateChanges } from '../state/stateChanges';
import type { GameEventHandlers, HandlerContext, TimeStep } from './gameHandlers';

/**
 * A game's time step and event handlers, written for a state `S` and events `E` and checked key by
 * key: what each returns may hold no key the state lacks, even beside keys it has — which
 * TypeScript does not check in a function's inferred return type when the function is passed
 * straight to the `Backend` constructor. Their results go to the constructor unchanged.
 *
 * Curried, because TypeScript infers no type argument once some are given: `gameLogic<S, E>()`
 * fixes the game's types, its functions infer the rest.
 *
 * ## Example
 * ```ts
 * const logic = gameLogic<Arena, ArenaEvents>();
 * const backend = new Backend<Arena, ArenaEvents>(
 *   initial,
 *   logic.timeStep((state) => ({ round: state.round + 1 })), // `rounds: 1` beside it: an error
 *   logic.handlers({
 *     MOVE: ({ x }, { clientAddress }) => ({ players: { [`${clientAddress?.port}`]: { x } } }),
 *   }),
 * );
 * ```
 *
 * @typeParam S The game state.
 * @typeParam E The game's events.
 * @category Server/Backend
 */
export function gameLogic<
  S extends GameState<object>,
  E extends GameEvents = AnyEvents,
>(): GameLogic<S, E> {
  return { timeStep: (step) => step, handlers: (handlers) => handlers as GameEventHandlers<S, E> };
}

/**
 * What {@link gameLogic} returns: identity functions whose types check what they are given.
 *
 * @category Server/Backend
 */
export interface GameLogic<S extends GameState<object>, E extends GameEvents> {
  /** A time step, its changes checked key by key. */
  // eslint-disable-next-line @typescript-eslint/no-invalid-void-type -- game code may return nothing
  timeStep<R extends StateChanges<S> | void>(
    step: (gameState: S, dt: number) => R & CheckedChanges<R, S>,
  ): TimeStep<S>;
  /**
   * A handler for some of the event types clients send, each payload inferred from the events'
   * map and each handler's changes checked key by key. `R` is what each returns, by event type.
   */
  handlers<
    R extends {
      // eslint-disable-next-line @typescript-eslint/no-invalid-void-type -- game code may return nothing
      [K in keyof R]: K extends EventType<E['toServer']> ? StateChanges<S> | void : never;
    },
  >(handlers: {
    [K in keyof R]: (
      payload: HandlerPayload<E['toServer'][K & EventType<E['toServer']>]>,
      context: HandlerContext<S>,
    ) => R[K] & CheckedChanges<R[K], S>;
  }): GameEventHandlers<S, E>;
}
