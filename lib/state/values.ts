import { Replacement } from './replacement';
import { isToDelete } from './toDelete';

/** Whether `value` is a plain object: a map of the game state, not an array, bytes or a class. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** Sets an own entry, even one named `__proto__`, which plain assignment would not. */
export function setEntry(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    target[key] = value;
  }
}

/**
 * A value as the state holds it once written: a deep copy with every {@link TO_DELETE} entry of a
 * map left out and every {@link Replacement} unwrapped. Arrays are values, copied as they are.
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
  return copyData(value);
}

/** A deep copy of plain data, so state and update never share a mutable object. */
export function copyData(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyData);
  if (value instanceof Uint8Array) return value.slice();
  if (value instanceof Replacement)
    return new Replacement(copyData(value.value) as Record<string, unknown>);
  if (isPlainObject(value)) {
    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      if (value[key] !== undefined) setEntry(copy, key, copyData(value[key]));
    }
    return copy;
  }
  return value;
}
