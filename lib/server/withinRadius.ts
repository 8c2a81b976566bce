import { checkPositive } from '../options/checkOption';
import type { GameState } from '../state/gameState';
import { nearEntities } from './nearEntities';
import type { SpatialViewOptions } from './nearEntities';
import type { View } from './views';

/**
 * What {@link withinRadius} needs to know of the game.
 *
 * @category Server/Backend
 */
export interface WithinRadiusOptions<
  S extends GameState<object>,
  K extends keyof S & string,
> extends SpatialViewOptions<S, K> {
  /** How far a client sees, in the units of the positions: a finite number above 0. */
  readonly radius: number;
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
  const { radius } = options;
  checkPositive('radius', radius);
  const squared = radius * radius;
  return nearEntities(options, ([x, y], [cx, cy]) => (x - cx) ** 2 + (y - cy) ** 2 <= squared);
}
