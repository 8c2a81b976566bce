import { checkPositive } from '../options/checkOption';
import { InvalidArgumentError } from '../protocol/errors';
import type { GameState } from '../state/gameState';
import { nearEntities } from './nearEntities';
import type { SpatialViewOptions } from './nearEntities';
import type { View } from './views';

/**
 * What {@link inNearbyCells} needs to know of the game.
 *
 * @category Server/Backend
 */
export interface NearbyCellsOptions<
  S extends GameState<object>,
  K extends keyof S & string,
> extends SpatialViewOptions<S, K> {
  /** The side of a square cell, in the units of the positions: a finite number above 0. */
  readonly cellSize: number;
  /** How many cells around its own a client sees, each way; default 1 (a 3 x 3 block). */
  readonly reach?: number;
}

/**
 * A {@link View} in which each client sees the entities in its own grid cell and in the cells
 * around it, up to `reach` cells each way, and what `others` gives of the rest of the state.
 * Cells are squares of `cellSize` from the origin; a point on a cell's edge belongs to the cell
 * above or to the right.
 *
 * Informally: a server's area of interest, by grid cell.
 *
 * ## Example
 * ```ts
 * const view = inNearbyCells<Arena, 'players'>({
 *   entities: 'players',
 *   position: (player) => [player.x, player.y],
 *   center: (state, client) => {
 *     const me = state.players[client.key];
 *     return me && [me.x, me.y];
 *   },
 *   cellSize: 50,
 * });
 * ```
 *
 * @param options What the entities are, where each is and where each client is.
 * @return The view, for the `view` option of a `Server` or `Backend`.
 * @throws {@link InvalidArgumentError} If `cellSize` is not a finite number above 0, `reach` not a
 *   whole number from 0 on, or `entities` not a string.
 *
 * @category Server/Backend
 */
export function inNearbyCells<S extends GameState<object>, K extends keyof S & string>(
  options: NearbyCellsOptions<S, K>,
): View<S> {
  const { cellSize, reach = 1 } = options;
  checkPositive('cellSize', cellSize);
  if (!Number.isInteger(reach) || reach < 0) {
    throw new InvalidArgumentError(`reach must be a whole number from 0 on, got ${reach}`);
  }
  const cell = (v: number): number => Math.floor(v / cellSize);
  return nearEntities(
    options,
    ([x, y], [cx, cy]) =>
      Math.abs(cell(x) - cell(cx)) <= reach && Math.abs(cell(y) - cell(cy)) <= reach,
  );
}
