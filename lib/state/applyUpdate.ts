import { isNewer } from '../protocol/sequence';
import type { GameState, GameStateUpdate } from './gameState';
import { RESERVED_KEYS, isGameStatus } from './gameState';
import { isToDelete } from './toDelete';
import { hasEntry, isPlainObject, materialize } from './values';
import { setEntry } from '../util/setEntry';

/**
 * Applies an update to a game state, as PyGaSe's `state += update` does, without touching either:
 * the result is a new state that shares unchanged parts with the old one.
 *
 * - An update whose `time_order` is not newer than the state's (across the wrap) changes nothing;
 *   the same state object comes back.
 * - A plain object merges into the object the state holds at its key, at any depth; anything else
 *   (a number, string, array, bytes) replaces the value.
 * - {@link TO_DELETE} removes the key, at any depth.
 * - An entry whose value is `undefined` is absent, as it is on the wire.
 * - `game_status` is taken when it is a {@link GameStatus}; `time_order` is always the update's,
 *   never a custom key's.
 *
 * @throws {@link InvalidStateError} If the update holds something that is not plain data (a
 *   function, a symbol, a Date, a Map, a class instance): the state stays plain data that can be
 *   sent.
 *
 * ## Example
 * ```ts
 * let state = createGameState({ foo: 0, players: { ann: { x: 1, y: 2 } } });
 * state = applyUpdate(state, { time_order: 1, players: { ann: { x: 5 } } });
 * // { foo: 0, players: { ann: { x: 5, y: 2 } }, time_order: 1, game_status: 0 }
 * state = applyUpdate(state, { time_order: 2, foo: TO_DELETE });
 * // { players: { ann: { x: 5, y: 2 } }, time_order: 2, game_status: 0 }
 * ```
 *
 * @category State
 */
export function applyUpdate<S extends GameState<object>>(state: S, update: GameStateUpdate): S {
  if (!isNewer(update.time_order, state.time_order)) return state;
  const next: Record<string, unknown> = { ...state };
  for (const key of Object.keys(update)) {
    if (!RESERVED_KEYS.has(key)) applyEntry(next, key, update[key]);
  }
  next.time_order = update.time_order;
  if (isGameStatus(update.game_status)) next.game_status = update.game_status;
  return next as S;
}

/**
 * The state's value at a key after an update's value for that key: `undefined` when deleted. The
 * apply step of {@link mergeUpdates} too, which is why it works on values, not states.
 */
export function applyValue(current: unknown, change: unknown): unknown {
  if (isToDelete(change)) return undefined;
  if (isPlainObject(change) && isPlainObject(current)) {
    // Copied only once something in it changes: a map the change leaves as it was (a whole state
    // sent again, say) is the same object, so that `distinctUntilChanged` sees it is.
    let next: Record<string, unknown> | undefined;
    for (const key of Object.keys(change)) {
      const entry = change[key];
      if (entry === undefined) continue;
      const before = hasEntry(current, key) ? current[key] : undefined;
      const after = applyValue(before, entry);
      if (after === before) continue;
      next ??= { ...current };
      if (after === undefined) Reflect.deleteProperty(next, key);
      else setEntry(next, key, after);
    }
    return next ?? current;
  }
  return materialize(change);
}

function applyEntry(target: Record<string, unknown>, key: string, change: unknown): void {
  if (change === undefined) return; // as on the wire, where an undefined entry is an absent one
  const value = applyValue(hasEntry(target, key) ? target[key] : undefined, change);
  if (value === undefined) {
    Reflect.deleteProperty(target, key);
  } else {
    setEntry(target, key, value);
  }
}
