import { checkPositive } from '../options/checkOption';
import { InvalidArgumentError } from '../protocol/errors';
import type { GameState } from '../state/gameState';
import { setEntry } from '../util/setEntry';
import type { View, ViewClient } from './views';

/**
 * What {@link withinRadius} needs to know of the game.
 *
 * @category Server/Backend
 */
export interface WithinRadiusOptions<S extends GameState<object>, K extends keyof S & string> {
  /** The key of the state whose value is the record of entities (players, bots, items) by id. */
  readonly entities: K;
  /** Where an entity is. An entity without a position (undefined) is seen by no one. */
  readonly position: (entity: S[K][keyof S[K]]) => readonly [x: number, y: number] | undefined;
  /** Where the client is (its player's position); undefined: it sees no entity. */
  readonly center: (state: S, client: ViewClient) => readonly [x: number, y: number] | undefined;
  /** How far a client sees, in the units of the positions: a finite number above 0. */
  readonly radius: number;
  /** What else of the state the client sees, beside the entities near it; default nothing. */
  readonly others?: (state: S, client: ViewClient) => Partial<S>;
}

/**
 * A {@link View} in which each client sees the entities within `radius` of its center (its own
 * player, typically), and what `others` gives of the rest of the state. An entity that moves out
 * of the radius is deleted on the client, one that moves in appears.
 *
 * Informally: a server's fog of war, by distance.
 *
 * ## Example
 * ```ts
 * const view = withinRadius<Arena, 'players'>({
 *   entities: 'players',
 *   position: (player) => [player.x, player.y],
 *   center: (state, client) => {
 *     const me = state.players[client.key];
 *     return me && [me.x, me.y];
 *   },
 *   radius: 100,
 *   others: (state) => ({ round: state.round }),
 * });
 * const server = new Server(store, { view });
 * ```
 *
 * @param options What the entities are, where each is and where each client is.
 * @return The view, for the `view` option of a `Server` or `Backend`.
 * @throws {@link InvalidArgumentError} If `radius` is not a finite number above 0, or `entities`
 *   not a string.
 *
 * @category Server/Backend
 */
export function withinRadius<S extends GameState<object>, K extends keyof S & string>(
  options: WithinRadiusOptions<S, K>,
): View<S> {
  const { entities, position, center, radius, others } = options;
  checkPositive('radius', radius);
  if (typeof entities !== 'string') {
    throw new InvalidArgumentError(`entities must be a key of the state, got ${typeof entities}`);
  }
  const squared = radius * radius;
  return (state, client) => {
    const all = state[entities] as Readonly<Record<string, S[K][keyof S[K]]>>;
    const here = center(state, client);
    const near: Record<string, S[K][keyof S[K]]> = {};
    if (here !== undefined) {
      for (const id of Object.keys(all)) {
        const entity = all[id] as S[K][keyof S[K]];
        const at = position(entity);
        if (at === undefined) continue;
        const dx = at[0] - here[0];
        const dy = at[1] - here[1];
        if (dx * dx + dy * dy <= squared) setEntry(near, id, entity);
      }
    }
    return { ...others?.(state, client), [entities]: near } as Partial<S>;
  };
}
