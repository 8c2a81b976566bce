import { InvalidArgumentError } from '../protocol/errors';
import type { GameState } from '../state/gameState';
import { setEntry } from '../util/setEntry';
import type { View, ViewClient } from './views';

/**
 * What a spatial view ({@link withinRadius}, {@link inNearbyCells}) needs to know of the game.
 *
 * @category Server/Backend
 */
export interface SpatialViewOptions<S extends GameState<object>, K extends keyof S & string> {
  /** The key of the state whose value is the record of entities (players, bots, items) by id. */
  readonly entities: K;
  /** Where an entity is. An entity without a position (undefined) is seen by no one. */
  readonly position: (entity: S[K][keyof S[K]]) => readonly [x: number, y: number] | undefined;
  /** Where the client is (its player's position); undefined: it sees no entity. */
  readonly center: (state: S, client: ViewClient) => readonly [x: number, y: number] | undefined;
  /** What else of the state the client sees, beside the entities near it; default nothing. */
  readonly others?: (state: S, client: ViewClient) => Partial<S>;
}

/**
 * The view of the entities `near` a client's center, and what `others` gives.
 *
 * @throws {@link InvalidArgumentError} If `entities` is not a string.
 */
export function nearEntities<S extends GameState<object>, K extends keyof S & string>(
  { entities, position, center, others }: SpatialViewOptions<S, K>,
  near: (at: readonly [number, number], here: readonly [number, number]) => boolean,
): View<S> {
  if (typeof entities !== 'string') {
    throw new InvalidArgumentError(`entities must be a key of the state, got ${typeof entities}`);
  }
  return (state, client) => {
    const all = state[entities] as Readonly<Record<string, S[K][keyof S[K]]>>;
    const here = center(state, client);
    const seen: Record<string, S[K][keyof S[K]]> = {};
    if (here !== undefined) {
      for (const id of Object.keys(all)) {
        const entity = all[id] as S[K][keyof S[K]];
        const at = position(entity);
        if (at !== undefined && near(at, here)) setEntry(seen, id, entity);
      }
    }
    return { ...others?.(state, client), [entities]: seen } as Partial<S>;
  };
}
