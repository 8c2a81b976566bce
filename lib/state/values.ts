import { InvalidStateError } from '../protocol/errors';
import { setEntry } from '../protocol/setEntry';
import { Replacement } from './replacement';
import { isToDelete } from './toDelete';

/** Whether `value` is a plain object: a map of the game state, not an array, bytes or a class. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** Whether `map` holds `key` with a value: an `undefined` entry counts as absent, as on the wire. */
export function hasEntry(map: Readonly<Record<string, unknown>>, key: string): boolean {
  return map[key] !== undefined && Object.prototype.hasOwnProperty.call(map, key);
}

/**
 * A value as the state holds it once written: a deep copy with every {@link TO_DELETE} entry of a
 * map left out and every {@link Replacement} unwrapped. Arrays are values: their items are copied
 * as they are, bytes equal to TO_DELETE included.
 *
 * @throws {InvalidStateError} If the value holds something that is not plain data.
 */
export function materialize(value: unknown): unknown {
  if (value instanceof Replacement) return materialize(value.value);
  if (isPlainObject(value)) {
    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      const entry = value[key];
      if (entry !== undefined && !isToDelete(entry)) setEntry(copy, key, materialize(entry));
    }
    return copy;
  }
  return copy(value, true);
}

/**
 * A deep copy of plain data, so state and update never share a mutable object. Replacements stay
 * as they are: updates hold them.
 *
 * @throws {InvalidStateError} If the value holds something that is not plain data.
 */
export function copyData(value: unknown): unknown {
  return copy(value, false);
}

function copy(value: unknown, unwrap: boolean): unknown {
  switch (typeof value) {
    case 'number':
    case 'string':
    case 'boolean':
    case 'bigint':
    case 'undefined':
      return value;
    case 'object':
      if (value === null) return null;
      if (Array.isArray(value)) return value.map((item) => copy(item, unwrap));
      // new Uint8Array(bytes) copies; Buffer's slice() would share the memory.
      if (value instanceof Uint8Array) return new Uint8Array(value);
      if (value instanceof Replacement) {
        return unwrap
          ? materialize(value)
          : new Replacement(copy(value.value, false) as Record<string, unknown>);
      }
      if (isPlainObject(value)) {
        const result: Record<string, unknown> = {};
        for (const key of Object.keys(value)) {
          if (value[key] !== undefined) setEntry(result, key, copy(value[key], unwrap));
        }
        return result;
      }
      throw new InvalidStateError(
        `a game state holds plain data only, not a ${value.constructor?.name ?? 'non-plain'} object`,
      );
    default:
      throw new InvalidStateError(`a game state holds plain data only, not a ${typeof value}`);
  }
}
