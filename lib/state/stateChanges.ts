import type { GameState, GameStatus } from './gameState';
import type { Replacement } from './replacement';
import type { ToDelete } from './toDelete';

/**
 * The changes a time step or an event handler returns for a state `S`: some of its own keys, each
 * with a value of its type or, for a plain object, the changes to some of its keys (they merge
 * into the state's); {@link TO_DELETE} where a key may be absent (an optional key, an entry of a
 * record); a {@link Replacement} for an object replaced whole; and `game_status` to pause or
 * resume. `time_order` is the loop's to set.
 *
 * With an untyped state (`GameState`, the default) anything goes, as in PyGaSe.
 *
 * ## Example
 * ```ts
 * type Arena = GameState<{ round: number; players: Record<string, { x: number; name?: string }> }>;
 * const moved: StateChanges<Arena> = { players: { ann: { x: 3 } } };
 * const left: StateChanges<Arena> = { players: { bob: TO_DELETE } };
 * // { round: '2' }, { players: { ann: { y: 1 } } } and { round: TO_DELETE } do not compile.
 * ```
 *
 * @category State
 */
export type StateChanges<S extends GameState<object> = GameState> = ChangesOf<
  Omit<S, 'time_order' | 'game_status'>
> & { readonly game_status?: GameStatus };

/**
 * The changes to some keys of `T`, deeply.
 *
 * @category State
 */
export type ChangesOf<T> = {
  readonly [K in keyof T]?: ChangeTo<T[K]> | Deletable<T[K], K>;
};

/**
 * What may replace or change a value of type `V` in an update.
 *
 * @category State
 */
export type ChangeTo<V> = V extends readonly unknown[] | Uint8Array
  ? V
  : V extends object
    ? ChangesOf<V> | Replacement<V>
    : V;

/**
 * {@link ToDelete} where key `K`, of value `V`, may be absent from its object: an optional key, or
 * an entry of a record.
 *
 * @category State
 */
export type Deletable<V, K extends PropertyKey> = undefined extends V
  ? ToDelete
  : string extends K
    ? ToDelete
    : number extends K
      ? ToDelete
      : never;

/**
 * `R` as a time step or handler returns it, with every key that `StateChanges<S>` does not have
 * turned to `never`, at any depth: so a typo'd key is a compile error even where TypeScript does
 * not check a returned object literal for excess keys (a function's inferred return type).
 *
 * @category State
 */
// eslint-disable-next-line @typescript-eslint/no-invalid-void-type -- game code may return nothing
export type CheckedChanges<R, S extends GameState<object>> = [R] extends [void | undefined | null]
  ? R
  : ExactlyChanges<R, StateChanges<S>>;

/**
 * `R` with every key that `Shape` lacks turned to `never`, at any depth: in nested objects, in the
 * entries of records (`{ players: { [id]: { x } } }`) and in the elements of arrays. An `R` with
 * an index signature where the shape has none (a handler typed for any state) is let through: it
 * says nothing of its keys to check.
 *
 * @category State
 */
export type ExactlyChanges<
  R,
  Shape,
  // The object types the shape allows, less those whose insides are not changes.
  O = Exclude<Extract<Shape, object>, readonly unknown[] | Uint8Array | Replacement>,
> = R extends Uint8Array | Replacement
  ? R
  : R extends readonly (infer T)[]
    ? // Not `Shape` bare: it would distribute over `| undefined` and let everything through.
      [Extract<Shape, readonly unknown[]>] extends [readonly (infer U)[]]
      ? readonly ExactlyChanges<T, U>[]
      : R
    : R extends object
      ? string extends keyof R
        ? string extends keyof O
          ? { [K in keyof R]: ExactlyChanges<R[K], O[K & keyof O]> }
          : R
        : { [K in keyof R]: K extends keyof O ? ExactlyChanges<R[K], O[K]> : never }
      : R;
