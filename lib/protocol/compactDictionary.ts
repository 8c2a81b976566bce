import { MalformedPayloadError } from './errors';

/*
 * The dictionaries of compact updates (see compactEncoder.ts for the format): each connection's
 * sender gives the map keys and shapes it sends small numbers, defines each where it is first
 * used, and uses the bare number once the receiver acknowledged a package or block that carried
 * the definition. The receiver learns every definition as it decodes.
 */

/** The largest number a dictionary reference holds: one byte up to 127, two up to this. */
export const MAX_REFERENCE = 128 + 0x1fff;

/** The most keys one connection's dictionary gives numbers; later keys go as strings. */
export const MAX_KEYS = MAX_REFERENCE + 1;

/** The most shapes one connection's dictionary defines; later maps go as plain maps. */
export const MAX_SHAPES = 1024;

/** The most fields a shape has: larger maps go as plain maps. */
export const MAX_SHAPE_FIELDS = 8;

/**
 * The longest key a dictionary numbers, in UTF-16 units: longer keys go as strings, so a
 * receiver's dictionary stays small whatever its sender sends.
 */
export const MAX_KEY_LENGTH = 64;

/**
 * How a shape's field is written: a value of any kind, or a float32 without its type byte.
 *
 * @category Protocol
 */
export const FieldKind = { Any: 0, Float32: 1 } as const;
export type FieldKind = (typeof FieldKind)[keyof typeof FieldKind];

/** A key or shape a sender numbered.
 *
 * @category Protocol
 */
export interface Definition {
  readonly id: number;
  /** Whether the receiver holds it: a package or block that carried it was acknowledged. */
  known: boolean;
  /** The encoding that last carried it: within one encoding, the definition goes once. */
  stamp: number;
}

/** A shape: the keys of a map, in order, and how each value is written.
 *
 * @category Protocol
 */
export interface ShapeDefinition extends Definition {
  readonly keys: readonly string[];
  readonly kinds: readonly FieldKind[];
}

/**
 * What encoding an update asked of a dictionary, when each answer was a definition the receiver
 * knows: the keys with their numbers, and the shapes. See {@link SentDictionary.knows}.
 *
 * @category Protocol
 */
export interface CompactTrace {
  /** Each key asked, then its number: key, id, key, id... */
  readonly keys: readonly (string | number)[];
  /** Each shape given, as the dictionary defined it. */
  readonly shapes: readonly ShapeDefinition[];
}

/** A shape as a receiver holds it.
 *
 * @category Protocol
 */
export interface ReceivedShape {
  readonly keys: readonly string[];
  readonly kinds: readonly FieldKind[];
}

/** A connection's receiving dictionary: the keys and shapes its sender defined.
 *
 * @category Protocol
 */
export class ReceivedDictionary {
  private readonly keys: (string | undefined)[] = [];
  private readonly shapes: (ReceivedShape | undefined)[] = [];

  /** The key numbered `id`. @throws {@link MalformedPayloadError} If none is. */
  key(id: number): string {
    const key = this.keys[id];
    if (key === undefined) throw new MalformedPayloadError(`key ${id} was never defined`);
    return key;
  }

  /** Numbers `key` `id`. @throws {@link MalformedPayloadError} If `id` is another key's. */
  defineKey(id: number, key: string): void {
    if (key.length > MAX_KEY_LENGTH) {
      throw new MalformedPayloadError(`a key of ${key.length} characters is defined, past 64`);
    }
    const known = this.keys[id];
    if (known !== undefined && known !== key) {
      throw new MalformedPayloadError(`key ${id} is defined again as another key`);
    }
    while (this.keys.length < id) this.keys.push(undefined);
    this.keys[id] = key;
  }

  /** The shape numbered `id`. @throws {@link MalformedPayloadError} If none is. */
  shape(id: number): ReceivedShape {
    const shape = this.shapes[id];
    if (shape === undefined) throw new MalformedPayloadError(`shape ${id} was never defined`);
    return shape;
  }

  /** Numbers `shape` `id`. @throws {@link MalformedPayloadError} If `id` is out of range. */
  defineShape(id: number, shape: ReceivedShape): void {
    if (id >= MAX_SHAPES) {
      throw new MalformedPayloadError(
        `shape ${id} is past the ${MAX_SHAPES} shapes a peer defines`,
      );
    }
    if (shape.keys.some((key) => key.length > MAX_KEY_LENGTH)) {
      throw new MalformedPayloadError(`shape ${id} holds a key past 64 characters`);
    }
    const known = this.shapes[id];
    if (known !== undefined && !sameShape(known, shape)) {
      throw new MalformedPayloadError(`shape ${id} is defined again as another shape`);
    }
    while (this.shapes.length < id) this.shapes.push(undefined);
    this.shapes[id] = shape;
  }
}

/**
 * Whether two traces ask the same: the same keys under the same numbers, the same shapes under
 * the same numbers. A dictionary that knows one knows the other.
 *
 * @internal
 */
export function sameTrace(a: CompactTrace, b: CompactTrace): boolean {
  if (a.keys.length !== b.keys.length || a.shapes.length !== b.shapes.length) return false;
  for (let i = 0; i < a.keys.length; i++) if (a.keys[i] !== b.keys[i]) return false;
  for (let i = 0; i < a.shapes.length; i++) {
    const x = a.shapes[i] as ShapeDefinition;
    const y = b.shapes[i] as ShapeDefinition;
    if (x.id !== y.id || !sameShape(x, y)) return false;
  }
  return true;
}

function sameShape(a: ReceivedShape, b: ReceivedShape): boolean {
  if (a.keys.length !== b.keys.length) return false;
  for (let i = 0; i < a.keys.length; i++) {
    if (a.keys[i] !== b.keys[i] || a.kinds[i] !== b.kinds[i]) return false;
  }
  return true;
}
