import { isNewer } from '../protocol/sequence';
import { applyValue } from './applyUpdate';
import type { GameStateUpdate } from './gameState';
import { GAME_STATUS_KEY, TIME_ORDER_KEY } from '../protocol/constants';
import { isGameStatus } from './gameState';
import { Replacement } from './replacement';
import { copyData, hasEntry, isPlainObject, materialize } from './values';
import { setEntry } from '../util/setEntry';

/**
 * Combines two updates into one that does what applying both does, as PyGaSe's `update + update`:
 * the newer one's values and `time_order` win, nested objects merge, and {@link TO_DELETE} stays a
 * value, so the merged update still deletes. Neither input is touched, and the result shares no
 * object with them.
 *
 * Which is newer is decided by `time_order`, across the wrap; on a tie the second wins, so the
 * updates of one tick merge in the order they were made.
 *
 * Where the older update deletes a key or sets it to a plain value and the newer sets it to an
 * object, the merged update holds a {@link Replacement}: "exactly this object", which is what the
 * two do in sequence. (PyGaSe merges the object into whatever the state still holds there.)
 *
 * ## Example
 * ```ts
 * mergeUpdates(
 *   { time_order: 3, players: { ann: { x: 1 } }, foo: 1 },
 *   { time_order: 4, players: { bob: { x: 2 } }, foo: TO_DELETE },
 * );
 * // { time_order: 4, players: { ann: { x: 1 }, bob: { x: 2 } }, foo: TO_DELETE }
 * ```
 *
 * @category State
 */
export function mergeUpdates(first: GameStateUpdate, second: GameStateUpdate): GameStateUpdate {
  const [older, newer] = isNewer(first.time_order, second.time_order)
    ? [second, first]
    : [first, second];
  const merged = mergeMaps(older, newer);
  // A game_status PyGaSe would ignore (TO_DELETE) must not hide the older one it would keep.
  const status = [newer.game_status, older.game_status].find(isGameStatus);
  if (status === undefined) Reflect.deleteProperty(merged, GAME_STATUS_KEY);
  else merged[GAME_STATUS_KEY] = status;
  merged[TIME_ORDER_KEY] = newer.time_order;
  return merged as unknown as GameStateUpdate;
}

function mergeMaps(
  older: Readonly<Record<string, unknown>>,
  newer: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const merged = copyData(older) as Record<string, unknown>;
  for (const key of Object.keys(newer)) {
    const change = newer[key];
    if (change === undefined) continue;
    setEntry(
      merged,
      key,
      hasEntry(older, key) ? mergeValues(older[key], change) : copyData(change),
    );
  }
  return merged;
}

function mergeValues(older: unknown, newer: unknown): unknown {
  if (!isPlainObject(newer)) return copyData(newer);
  if (isPlainObject(older)) return mergeMaps(older, newer);
  if (older instanceof Replacement) {
    return new Replacement(applyValue(materialize(older), newer) as Record<string, unknown>);
  }
  return new Replacement(materialize(newer) as Record<string, unknown>);
}
