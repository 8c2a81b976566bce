import type { GameState, GameStateUpdate } from '../state/gameState';

/**
 * What a {@link Server} needs of the game state: the current state, and what a client that holds
 * an older one lacks. A {@link GameStateStore} is one; the server asks for no more, so it depends
 * on the game logic only through this shape.
 *
 * @category Server/Backend
 */
export interface StateSource<S extends GameState<object> = GameState> {
  /** The current state. */
  getGameState(): S;
  /**
   * What a client that reported `timeOrder` needs to hold the current state: the whole state when
   * it reported 0 or a state the source no longer remembers, else the differences. If full states
   * went to the client from `fullSince` on while its report travelled, a whole state also deletes
   * what those held and the current one does not.
   */
  updateSince(timeOrder: number, fullSince?: number): GameStateUpdate;
  /**
   * The states from the one at `timeOrder` on, the current one among them: a client that reported
   * `timeOrder` holds one of them. Undefined when the source no longer remembers that state.
   * Only a server with a `view` asks, to diff each client's view of them.
   */
  statesSince?(timeOrder: number): readonly S[] | undefined;
}
