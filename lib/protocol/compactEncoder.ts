import { isPlainObject } from '../util/plainObject';
import { FieldKind, MAX_KEY_LENGTH, MAX_SHAPE_FIELDS } from './compactDictionary';
import type { CompactTrace, Definition, ShapeDefinition } from './compactDictionary';
import type { SentDictionary } from './sentDictionary';
import { TIME_ORDER_KEY } from './constants';
import { checkUpdate } from './encode';
import { MsgpackEncoder } from './msgpackEncoder';
import type { UpdatePayload } from './packages';
import { copyWireTypes, wireTypesOf } from './wireTypes';

/**
 * A compact update, as an rxgase server writes the game-state updates it sends an rxgase client:
 * msgpack, but for the maps of changes, whose keys and shapes come from the connection's
 * dictionary (see `compactDictionary.ts`).
 *
 * ```text
 *  update      u16 time_order, then a map: the update's other keys
 *  value       a map (below); an array, written in plain msgpack with the maps in it;
 *              any other msgpack value (TO_DELETE is its bin)
 *  map         a msgpack map head (fixmap, map 16, map 32), then per entry a key and a value
 *            | c1, a shape, then the value of each of its fields in order: 4 bytes of a
 *              float32 for a float32 field, else a value
 *            | c1 c2, then the map in plain msgpack: one whose wire types it must keep
 *  key         a reference: the key numbered so
 *            | c0, a reference, a msgpack str: the key, numbered so from now on
 *            | a msgpack str: a key without a number (the dictionary is full)
 *  shape       a reference: the shape numbered so
 *            | c0, a reference, u8 n (1..8), n x (key, u8 kind: 0 any value, 1 float32):
 *              the shape, numbered so from now on
 *  reference   00..7f: 0..127; e0..ff then a byte b: 128 + ((first & 1f) << 8 | b)
 * ```
 *
 * Byte c1 is the one msgpack never uses, and c0 (nil) never starts a key or a shape, so each
 * form is told by its first byte. A sender writes a definition until a package or block that
 * carried it is acknowledged; within one update, only where first used. A map of up to 8 values,
 * none of them a map, with two fields or a float32, goes as a shape once maps of its fields were
 * seen twice: a moved entity `{ x, y }` costs its key, c1, a shape number and two float32s. Keys
 * of more than 64 characters are never numbered.
 *
 * @category Protocol
 */
export class CompactEncoder extends MsgpackEncoder {
  private dictionary: SentDictionary | undefined;
  private stamp = 0;
  private carried: Definition[] = [];
  /** How deep inside arrays and escaped maps the writer is, where maps are plain msgpack. */
  private plain = 0;
  private readonly fieldKeys: string[] = [];
  private readonly fieldKinds: FieldKind[] = [];
  /** What the encoding asked of the dictionary, while every answer is a definition it knows. */
  private trace: { keys: (string | number)[]; shapes: ShapeDefinition[] } | undefined;

  /**
   * Encodes `update` with `dictionary`'s numbers, numbering new keys and shapes in it.
   *
   * @return The bytes, and the definitions they carry that the receiver does not hold yet; with
   *   `trace` when the encoding used only definitions the receiver holds and changed nothing in
   *   the dictionary: then any dictionary that `knows` the trace encodes the update to the same
   *   bytes, which may be shared with it.
   * @throws {@link SequenceRangeError} If the update's `time_order` is out of range.
   * @throws {@link PackageOverflowError} If the encoding is longer than `maxSize` bytes.
   * @throws {@link UnencodableValueError} If msgpack cannot carry a value of the update, or its
   *   `game_status` is not 0 or 1.
   */
  encodeUpdate(
    update: UpdatePayload,
    dictionary: SentDictionary,
    maxSize: number,
  ): {
    readonly bytes: Uint8Array;
    readonly carried: readonly Definition[];
    readonly trace?: CompactTrace;
  } {
    checkUpdate(update);
    const timeOrder = update[TIME_ORDER_KEY];
    const scratch = this.scratchOf(maxSize);
    this.begin(scratch, 0, maxSize);
    this.dictionary = dictionary;
    this.stamp = dictionary.nextStamp();
    this.carried = [];
    this.plain = 0;
    this.trace = { keys: [], shapes: [] };
    this.writeU8(timeOrder >> 8);
    this.writeU8(timeOrder & 0xff);
    if (wireTypesOf(update) === undefined) this.writeCompactMap(update, TIME_ORDER_KEY);
    else this.writeEscaped(withoutTimeOrder(update));
    this.dictionary = undefined;
    const trace = this.trace;
    this.trace = undefined;
    const bytes = scratch.slice(0, this.pos);
    return trace === undefined ? { bytes, carried: this.carried } : { bytes, carried: [], trace };
  }

  protected override writeMap(map: Readonly<Record<string, unknown>>): void {
    if (this.plain > 0) return super.writeMap(map);
    if (wireTypesOf(map) !== undefined) return this.writeEscaped(map);
    this.writeCompactMap(map, undefined);
  }

  protected override writeArray(array: readonly unknown[]): void {
    this.plain++;
    super.writeArray(array);
    this.plain--;
  }

  /** A map whose wire types its plain msgpack keeps (integral floats, integer keys, key order). */
  private writeEscaped(map: Readonly<Record<string, unknown>>): void {
    this.writeU8(0xc1);
    this.writeU8(0xc2);
    this.plain++;
    super.writeMap(map);
    this.plain--;
  }

  private writeCompactMap(map: Readonly<Record<string, unknown>>, skip: string | undefined): void {
    this.enter(map);
    const keys = this.fieldKeys;
    const kinds = this.fieldKinds;
    keys.length = 0;
    kinds.length = 0;
    // A map may go as a shape if its values are no maps, its keys short, and the shape saves a
    // byte: it has two fields or more, or a float32.
    let shapeable = true;
    let saves = false;
    for (const key of Object.keys(map)) {
      if (key === skip) continue;
      const value = map[key];
      if (value === undefined) continue; // as JSON does: an undefined entry is an absent one
      const kind = kindOf(value);
      keys.push(key);
      kinds.push(kind);
      if (kind === FieldKind.Float32) saves = true;
      if (shapeable && (key.length > MAX_KEY_LENGTH || isPlainObject(value))) shapeable = false;
    }
    const size = keys.length;
    const asksShape = shapeable && (saves || size >= 2) && size <= MAX_SHAPE_FIELDS;
    const shape = asksShape ? (this.dictionary as SentDictionary).shape(keys, kinds) : undefined;
    // A shape not given (one seen, or no room) or not known changed the dictionary or is carried.
    if (asksShape && shape?.known !== true) this.trace = undefined;
    else if (shape !== undefined) this.trace?.shapes.push(shape);
    if (shape !== undefined) {
      this.writeU8(0xc1);
      this.writeShape(shape);
      for (let i = 0; i < size; i++) {
        const value = map[shape.keys[i] as string];
        if (shape.kinds[i] === FieldKind.Float32) this.writeFloat32(value as number);
        else this.writeValue(value, undefined);
      }
    } else {
      // The keys are copied: writing a value may reuse the scratch lists.
      const entries = keys.slice();
      this.writeContainerHead(size, 0x80, 0xde); // fixmap / map 16 / map 32
      for (const key of entries) {
        this.writeKey(key);
        this.writeValue(map[key], undefined);
      }
    }
    this.ancestors.pop();
  }

  private writeShape(shape: ShapeDefinition): void {
    if (shape.known || shape.stamp === this.stamp) return this.writeReference(shape.id);
    shape.stamp = this.stamp;
    this.carried.push(shape);
    this.writeU8(0xc0);
    this.writeReference(shape.id);
    this.writeU8(shape.keys.length);
    for (let i = 0; i < shape.keys.length; i++) {
      this.writeKey(shape.keys[i] as string);
      this.writeU8(shape.kinds[i] as number);
    }
  }

  private writeKey(key: string): void {
    const definition = (this.dictionary as SentDictionary).key(key);
    // A key the dictionary has no number for, or one not known yet, makes bytes of its own.
    if (definition?.known === true) this.trace?.keys.push(key, definition.id);
    else this.trace = undefined;
    if (definition === undefined) return this.writeString(key);
    if (definition.known || definition.stamp === this.stamp) {
      return this.writeReference(definition.id);
    }
    definition.stamp = this.stamp;
    this.carried.push(definition);
    this.writeU8(0xc0);
    this.writeReference(definition.id);
    this.writeString(key);
  }

  private writeReference(id: number): void {
    if (id < 0x80) return this.writeU8(id);
    const rest = id - 0x80;
    this.writeU8(0xe0 | (rest >> 8));
    this.writeU8(rest & 0xff);
  }

  private writeFloat32(value: number): void {
    this.reserve(4);
    this.view.setFloat32(this.pos, value);
    this.pos += 4;
  }
}

/** How a shape writes `value`: a float32 as its 4 bytes, the rest as msgpack values. */
function kindOf(value: unknown): FieldKind {
  return typeof value === 'number' &&
    !Number.isInteger(value) &&
    Number.isFinite(Math.fround(value))
    ? FieldKind.Float32
    : FieldKind.Any;
}

function withoutTimeOrder(update: UpdatePayload): Record<string, unknown> {
  const rest: Record<string, unknown> = { ...update };
  delete rest.time_order;
  copyWireTypes(update, rest);
  return rest;
}
