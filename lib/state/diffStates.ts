import { setEntry } from '../util/setEntry';
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
 *
 * @category State
 */
export function diffStates(from: GameState, to: GameState): GameStateUpdate {
  return diffFromAny([from], to);
}

/**
 * The keys that some updates touched, at every depth: below a key, either the keys touched inside
 * its map (the updates merged plain objects into it) or {@link WHOLE_VALUE} (an update set,
 * replaced or deleted the value there).
 */
export type TouchedKeys = Map<string, TouchedKeys | typeof WHOLE_VALUE>;

/** In {@link TouchedKeys}: the value at this key may have changed anywhere inside. */
export const WHOLE_VALUE = 'whole value';

/** Adds to `touched` the keys `update` touches when applied. */
export function touchKeys(touched: TouchedKeys, update: Readonly<Record<string, unknown>>): void {
  for (const key of Object.keys(update)) {
    const known = touched.get(key);
    if (known === WHOLE_VALUE) continue;
    const value = update[key];
    if (isPlainObject(value)) {
      const inside: TouchedKeys = known ?? new Map();
      touchKeys(inside, value);
      touched.set(key, inside);
    } else {
      touched.set(key, WHOLE_VALUE);
    }
  }
}

function diffMaps(
  from: Readonly<Record<string, unknown>>,
  to: Readonly<Record<string, unknown>>,
  skip: ReadonlySet<string>,
  within: TouchedKeys | undefined,
): Record<string, unknown> {
  const diff: Record<string, unknown> = {};
  if (within === undefined) {
    for (const key of Object.keys(from)) {
      if (!skip.has(key) && !hasEntry(to, key) && hasEntry(from, key)) {
        setEntry(diff, key, TO_DELETE);
      }
    }
    for (const key of Object.keys(to)) {
      if (!skip.has(key)) diffEntry(diff, key, from, to, undefined);
    }
    return diff;
  }
  // Only where updates went: everywhere else the two states hold the very same values.
  for (const [key, inside] of within) {
    if (skip.has(key)) continue;
    if (!hasEntry(to, key)) {
      if (hasEntry(from, key)) setEntry(diff, key, TO_DELETE);
      continue;
    }
    diffEntry(diff, key, from, to, inside === WHOLE_VALUE ? undefined : inside);
  }
  return diff;
}

/** Sets in `diff` what turns `from`'s value at `key` into `to`'s, if `to` has one. */
function diffEntry(
  diff: Record<string, unknown>,
  key: string,
  from: Readonly<Record<string, unknown>>,
  to: Readonly<Record<string, unknown>>,
  within: TouchedKeys | undefined,
): void {
  if (!hasEntry(to, key)) return;
  const after = to[key];
  const before = hasEntry(from, key) ? from[key] : undefined;
  if (before === after) return;
  if (isPlainObject(before) && isPlainObject(after)) {
    const nested = diffMaps(before, after, NONE, within);
    if (Object.keys(nested).length > 0) setEntry(diff, key, nested);
  } else if (before === undefined || !equalData(before, after)) {
    setEntry(diff, key, copyData(after));
  }
}

const NONE: ReadonlySet<string> = new Set();

/**
 * The update that turns any of the states `from` into `to`: the union of their differences. A
 * receiver known to hold one of them, but not which, ends exactly in `to` (a server sending to a
 * client that may have applied newer updates since it last reported). Keys that any of them
 * holds and `to` does not are deleted; every value that differs in any of them is set.
 *
 * @category State
 */
export function diffFromAny(from: readonly GameState[], to: GameState): GameStateUpdate {
  return diffTouched(from, to, undefined);
}

/**
 * {@link diffFromAny}, looking only where updates went: `within` must hold every key the updates
 * between the states of `from` and `to` touched (more does no harm). The store knows them, and a
 * game's updates touch a few keys of a large state.
 */
export function diffTouched(
  from: readonly GameState[],
  to: GameState,
  within: TouchedKeys | undefined,
): GameStateUpdate {
  let union: Record<string, unknown> = {};
  for (const state of from) {
    if (state !== to) union = unionDiffs(union, diffMaps(state, to, RESERVED_KEYS, within));
  }
  union.game_status = to.game_status;
  union.time_order = to.time_order;
  return union as unknown as GameStateUpdate;
}

/**
 * Two differences toward the same state, as one: where both go into a map they merge (a full
 * value and a nested difference of it agree on every key they share), elsewhere they agree.
 */
function unionDiffs(
  a: Readonly<Record<string, unknown>>,
  b: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const union: Record<string, unknown> = { ...a };
  for (const key of Object.keys(b)) {
    const mine = hasEntry(a, key) ? a[key] : undefined;
    const theirs = b[key];
    setEntry(
      union,
      key,
      isPlainObject(mine) && isPlainObject(theirs) ? unionDiffs(mine, theirs) : theirs,
    );
  }
  return union;
}

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
