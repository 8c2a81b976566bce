import { setEntry } from '../protocol/setEntry';
import type { GameState, GameStateUpdate } from './gameState';
import { RESERVED_KEYS } from './gameState';
import { TO_DELETE } from './toDelete';
import { copyData, hasEntry, isPlainObject } from './values';

/**
 * The update that turns state `from` into state `to`, exactly: changed keys, {@link TO_DELETE} for
 * keys that are gone, nested objects diffed key by key, and `to`'s `time_order` and
 * `game_status`. Applying it to `from` gives a state equal to `to`.
 *
 * Unlike a merge of the updates in between, it needs no "replace" that PyGaSe's wire format cannot
 * say: knowing what the receiver holds, it deletes what must go. Parts the two states share (as
 * states made by {@link applyUpdate} share what an update did not touch) are skipped at once.
 *
 * ## Example
 * ```ts
 * diffStates(
 *   { time_order: 4, game_status: 1, players: { ann: { x: 1 }, bob: { x: 2 } } },
 *   { time_order: 9, game_status: 1, players: { ann: { x: 3 } } },
 * );
 * // { players: { ann: { x: 3 }, bob: TO_DELETE }, time_order: 9, game_status: 1 }
 * ```
 */
export function diffStates(from: GameState, to: GameState): GameStateUpdate {
  const update = diffMaps(from, to, RESERVED_KEYS);
  update.game_status = to.game_status;
  update.time_order = to.time_order;
  return update as unknown as GameStateUpdate;
}

function diffMaps(
  from: Readonly<Record<string, unknown>>,
  to: Readonly<Record<string, unknown>>,
  skip: ReadonlySet<string> = NONE,
): Record<string, unknown> {
  const diff: Record<string, unknown> = {};
  for (const key of Object.keys(from)) {
    if (!skip.has(key) && hasEntry(from, key) && !hasEntry(to, key)) setEntry(diff, key, TO_DELETE);
  }
  for (const key of Object.keys(to)) {
    if (skip.has(key) || !hasEntry(to, key)) continue;
    const before = hasEntry(from, key) ? from[key] : undefined;
    const after = to[key];
    if (before === after) continue;
    if (isPlainObject(before) && isPlainObject(after)) {
      const nested = diffMaps(before, after);
      if (Object.keys(nested).length > 0) setEntry(diff, key, nested);
    } else if (before === undefined || !equalData(before, after)) {
      setEntry(diff, key, copyData(after));
    }
  }
  return diff;
}

const NONE: ReadonlySet<string> = new Set();

/** Deep equality of plain data: what the wire would carry the same. */
function equalData(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => equalData(item, b[i]));
  }
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    return a.length === b.length && a.every((byte, i) => byte === b[i]);
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every((key) => hasEntry(b, key) && equalData(a[key], b[key]))
    );
  }
  return false;
}
