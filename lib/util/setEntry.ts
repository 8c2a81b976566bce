/**
 * Sets an own entry of a map, even one named `__proto__`: a plain assignment would set the
 * prototype instead, so a key from the wire could change what the map inherits.
 */
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
