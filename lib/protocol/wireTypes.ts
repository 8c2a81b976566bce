/**
 * What a JavaScript value cannot show about the msgpack it came from.
 *
 * Python tells `3.0` from `3` and the key `0` from `"0"`; JavaScript does not. So that a payload
 * decoded from a PyGaSe peer encodes back to the very same bytes, the decoder notes, per array or
 * map, the entries whose wire type the value alone would lose: floats with an integral value,
 * float64s, and integer map keys. The encoder honours these notes. The values themselves stay plain
 * numbers and strings; the notes live beside them in a WeakMap and go when the container goes.
 */

/** How a number was written: as msgpack float32 or float64. */
export type FloatWidth = 32 | 64;

/** The notes for one array or map. Keys are array indices or map keys. */
export interface WireTypes {
  /** Entries that were floats although their value is integral, or that were float64. */
  floats?: Map<number | string, FloatWidth>;
  /** Map keys that were integers on the wire. */
  integerKeys?: Set<string>;
}

const notes = new WeakMap<object, WireTypes>();

/** The wire-type notes of `container`, if it was decoded with any. */
export function wireTypesOf(container: object): WireTypes | undefined {
  return notes.get(container);
}

/** Notes that entry `key` of `container` was a float of the given width. */
export function noteFloat(container: object, key: number | string, width: FloatWidth): void {
  const types = notesFor(container);
  (types.floats ??= new Map()).set(key, width);
}

/** Notes that map key `key` of `container` was an integer on the wire. */
export function noteIntegerKey(container: object, key: string): void {
  const types = notesFor(container);
  (types.integerKeys ??= new Set()).add(key);
}

/**
 * Gives `copy` the notes of `original`, so that a copy of a decoded value encodes as the original
 * did. Entries the copy no longer has are simply never asked about.
 */
export function copyWireTypes(original: object, copy: object): void {
  const types = notes.get(original);
  if (types === undefined) return;
  notes.set(copy, {
    ...(types.floats && { floats: new Map(types.floats) }),
    ...(types.integerKeys && { integerKeys: new Set(types.integerKeys) }),
  });
}

function notesFor(container: object): WireTypes {
  let types = notes.get(container);
  if (types === undefined) {
    types = {};
    notes.set(container, types);
  }
  return types;
}
