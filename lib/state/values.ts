import { MAX_NESTING_DEPTH } from '../protocol/constants';
import { InvalidStateError } from '../protocol/errors';
import { setEntry } from '../util/setEntry';
import { atPath, pathTo } from '../util/valuePath';
import { Replacement } from './replacement';
import { isToDelete } from './toDelete';
import { isPlainObject } from '../util/plainObject';
import { isWellFormed } from '../util/wellFormed';

export { isPlainObject };

/** Whether `map` holds `key` with a value: an `undefined` entry counts as absent, as on the wire. */
export function hasEntry(map: Readonly<Record<string, unknown>>, key: string): boolean {
  return map[key] !== undefined && Object.prototype.hasOwnProperty.call(map, key);
}

/**
 * A value as the state holds it once written: a deep copy with every {@link TO_DELETE} entry of a
 * map left out and every {@link Replacement} unwrapped. Arrays are values: their items are copied
 * as they are, bytes equal to TO_DELETE included.
 *
 * @throws {@link InvalidStateError} If the value holds something that is not plain data; its `path`
 *   says where.
 */
export function materialize(value: unknown): unknown {
  ancestors.length = 0; // left over from a throw
  return copy(value, Mode.Materialize);
}

/**
 * A deep copy of plain data, so state and update never share a mutable object. Replacements stay
 * as they are: updates hold them.
 *
 * Plain data is what the wire can carry: plain objects, arrays, strings (without lone UTF-16
 * surrogates), numbers, BigInts within 64 bits, booleans, null and bytes, at most
 * {@link MAX_NESTING_DEPTH} levels deep and without cycles; `undefined` only as a map entry, which
 * counts as absent.
 *
 * @throws {@link InvalidStateError} If the value holds something that is not plain data; its `path`
 *   says where.
 */
export function copyData(value: unknown): unknown {
  ancestors.length = 0;
  return copy(value, Mode.Copy);
}

/** How a copy treats what it copies. */
const Mode = {
  /** Copy as it is. */
  Copy: 0,
  /** Leave out TO_DELETE entries of maps, unwrap replacements. */
  Materialize: 1,
  /** Unwrap replacements only: inside an array, where TO_DELETE is a value like any other. */
  Unwrap: 2,
} as const;
type Mode = (typeof Mode)[keyof typeof Mode];

const UINT64_MAX = 2n ** 64n - 1n;
const INT64_MIN = -(2n ** 63n);

/** The containers the copy is inside, outermost first: for cycles, depth and error paths. */
const ancestors: object[] = [];

function copy(value: unknown, mode: Mode): unknown {
  switch (typeof value) {
    case 'number':
    case 'boolean':
    case 'undefined':
      return value;
    case 'string':
      if (!isWellFormed(value)) throw refuse('a string with a lone UTF-16 surrogate', value);
      return value;
    case 'bigint':
      if (value > UINT64_MAX || value < INT64_MIN) {
        throw refuse(`the integer ${value}, which does not fit in 64 bits`, value);
      }
      return value;
    case 'object':
      if (value === null) return null;
      // new Uint8Array(bytes) copies; Buffer's slice() would share the memory.
      if (value instanceof Uint8Array) return new Uint8Array(value);
      if (Array.isArray(value)) return copyArray(value, mode);
      if (value instanceof Replacement) {
        return mode === Mode.Copy
          ? new Replacement(copy(value.value, Mode.Copy) as Record<string, unknown>)
          : copy(value.value, Mode.Materialize);
      }
      if (isPlainObject(value)) return copyMap(value, mode);
      throw refuse(`a ${value.constructor?.name ?? 'non-plain'} object`, value);
    default:
      throw refuse(`a ${typeof value}`, value);
  }
}

function copyArray(array: readonly unknown[], mode: Mode): unknown[] {
  enter(array);
  const length = array.length;
  const result = new Array<unknown>(length);
  const itemMode = mode === Mode.Copy ? Mode.Copy : Mode.Unwrap;
  for (let i = 0; i < length; i++) {
    const item = array[i];
    if (item === undefined) throw refuse('undefined in an array (use null for "no value")', item);
    result[i] = copy(item, itemMode);
  }
  ancestors.pop();
  return result;
}

function copyMap(map: Readonly<Record<string, unknown>>, mode: Mode): Record<string, unknown> {
  enter(map);
  const result: Record<string, unknown> = {};
  for (const key of Object.keys(map)) {
    const entry = map[key];
    if (entry === undefined || (mode === Mode.Materialize && isToDelete(entry))) continue;
    if (!isWellFormed(key)) throw refuse('a key with a lone UTF-16 surrogate', key);
    setEntry(result, key, copy(entry, mode));
  }
  ancestors.pop();
  return result;
}

function enter(container: object): void {
  if (ancestors.includes(container)) throw refuse('a cycle: a value that holds itself', container);
  if (ancestors.length >= MAX_NESTING_DEPTH) {
    throw refuse(`values nested more than ${MAX_NESTING_DEPTH} levels deep`, container);
  }
  ancestors.push(container);
}

function refuse(what: string, value: unknown): InvalidStateError {
  const path = pathTo(ancestors, value);
  return new InvalidStateError(`a game state holds plain data only, not ${what}${atPath(path)}`, {
    path,
  });
}
