/**
 * What a JavaScript value cannot show about the msgpack it came from.
 *
 * Python tells `3.0` from `3` and the key `0` from `"0"`, and keeps a dict's keys in the order
 * they were set; JavaScript does none of these. So that a payload decoded from a PyGaSe peer
 * encodes back to the very same bytes, the decoder notes, per array or map, what the value alone
 * would lose: floats with an integral value, float64s, integer map keys, and the key order where
 * JavaScript would enumerate the keys otherwise. The encoder honours these notes. The values themselves stay plain
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
  /**
   * The order of a map's keys on the wire, where JavaScript enumerates them otherwise: it puts
   * integer-like keys ("0", "17") first, in ascending order, whatever order they were set in.
   */
  keyOrder?: readonly string[];
}

const notes = new WeakMap<object, WireTypes>();
/** Whether any container was ever noted: until then the encoder need not look. */
let anyNotes = false;

/** The wire-type notes of `container`, if it was decoded with any. */
export function wireTypesOf(container: object): WireTypes | undefined {
  return anyNotes ? notes.get(container) : undefined;
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

/** Notes the wire order of a map's keys, for a map whose own enumeration order differs. */
export function noteKeyOrder(container: object, keys: readonly string[]): void {
  notesFor(container).keyOrder = keys;
}

/**
 * Whether JavaScript enumerates `key` before the other keys of an object, as an array index:
 * a canonical decimal integer below 2^32 - 1.
 */
export function isIndexKey(key: string): boolean {
  const first = key.charCodeAt(0);
  if (first < 0x30 || first > 0x39) return false; // the common case: not a digit
  const index = Number(key);
  return String(index) === key && index < 0xffffffff;
}

/**
 * Gives `copy` the notes of `original`, so that a copy of a decoded value encodes as the original
 * did. Entries the copy no longer has are simply never asked about.
 */
export function copyWireTypes(original: object, copy: object): void {
  const types = notes.get(original);
  if (types === undefined) return;
  anyNotes = true;
  notes.set(copy, {
    ...(types.floats && { floats: new Map(types.floats) }),
    ...(types.integerKeys && { integerKeys: new Set(types.integerKeys) }),
    ...(types.keyOrder && { keyOrder: types.keyOrder }),
  });
}

function notesFor(container: object): WireTypes {
  let types = notes.get(container);
  if (types === undefined) {
    types = {};
    anyNotes = true;
    notes.set(container, types);
  }
  return types;
}
