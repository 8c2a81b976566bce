import { setEntry } from '../util/setEntry';
import { FieldKind, MAX_SHAPE_FIELDS, ReceivedDictionary } from './compactDictionary';
import type { ReceivedShape } from './compactDictionary';
import { TIME_ORDER_KEY } from './constants';
import { checkGameStatus } from './decode';
import { MalformedPayloadError } from './errors';
import { MsgpackDecoder } from './msgpackDecoder';
import type { UpdatePayload } from './packages';
import { noteFloat } from './wireTypes';

/**
 * Reads compact updates (see `CompactEncoder` for the format) with one connection's dictionary,
 * learning each definition as it reads it. Whatever bytes it is given, it returns an update or
 * throws a {@link MalformedPayloadError}.
 *
 * @category Protocol
 */
export class CompactDecoder extends MsgpackDecoder {
  /** How deep inside arrays and escaped maps the cursor is, where maps are plain msgpack. */
  private plain = 0;

  constructor(private readonly dictionary: ReceivedDictionary = new ReceivedDictionary()) {
    super();
  }

  /**
   * Decodes the compact update that fills `bytes[start..end)` exactly.
   *
   * @throws {@link MalformedPayloadError} If it is not one, or uses a number never defined.
   */
  decodeUpdate(bytes: Uint8Array, start = 0, end = bytes.length): UpdatePayload {
    this.begin(bytes, start, end);
    this.plain = 0;
    const timeOrder = this.readU16();
    const head = this.peek();
    if (!(head >= 0x80 && head <= 0x8f) && head !== 0xde && head !== 0xdf && head !== 0xc1) {
      throw new MalformedPayloadError('a compact update holds no map after its time_order');
    }
    const update = this.readValue(0) as Record<string, unknown>;
    if (this.pos !== end) {
      throw new MalformedPayloadError(`${end - this.pos} bytes follow the compact update`);
    }
    if (Object.prototype.hasOwnProperty.call(update, TIME_ORDER_KEY)) {
      throw new MalformedPayloadError('a compact update holds time_order twice');
    }
    checkGameStatus(update);
    update[TIME_ORDER_KEY] = timeOrder;
    return update as UpdatePayload;
  }

  protected override readMap(size: number, depth: number): Record<string, unknown> {
    if (this.plain > 0) return super.readMap(size, depth);
    this.enter(depth, size * 2, 'map');
    const map: Record<string, unknown> = {};
    for (let i = 0; i < size; i++) {
      const key = this.readCompactKey();
      if (Object.prototype.hasOwnProperty.call(map, key)) {
        throw new MalformedPayloadError(`the key ${JSON.stringify(key)} appears twice in one map`);
      }
      this.readEntry(map, key, depth);
    }
    return map;
  }

  protected override readArray(size: number, depth: number): unknown[] {
    this.plain++;
    const array = super.readArray(size, depth);
    this.plain--;
    return array;
  }

  protected override readNeverUsed(depth: number): unknown {
    if (this.plain > 0) return super.readNeverUsed(depth);
    if (this.peek() === 0xc2) {
      this.pos++;
      const head = this.peek();
      if (!(head >= 0x80 && head <= 0x8f) && head !== 0xde && head !== 0xdf) {
        throw new MalformedPayloadError('an escaped compact map is not a msgpack map');
      }
      this.plain++;
      const map = this.readValue(depth);
      this.plain--;
      return map;
    }
    const shape = this.readShape();
    this.enter(depth, shape.keys.length, 'map');
    const map: Record<string, unknown> = {};
    for (let i = 0; i < shape.keys.length; i++) {
      const key = shape.keys[i] as string;
      if (shape.kinds[i] !== FieldKind.Float32) {
        this.readEntry(map, key, depth);
        continue;
      }
      this.need(4);
      const value = this.dataView().getFloat32(this.pos);
      this.pos += 4;
      setEntry(map, key, value);
      // An integral float32 stays a float when written again, as msgpack's does.
      if (Number.isInteger(value)) noteFloat(map, key, 32);
    }
    return map;
  }

  private readEntry(map: Record<string, unknown>, key: string, depth: number): void {
    const value = this.readValue(depth + 1);
    setEntry(map, key, value);
    if (this.floatToNote !== 0) {
      noteFloat(map, key, this.floatToNote);
      this.floatToNote = 0;
    }
  }

  private readCompactKey(): string {
    const head = this.peek();
    if (head <= 0x7f || head >= 0xe0) return this.dictionary.key(this.readReference());
    if (head === 0xc0) {
      this.pos++;
      const id = this.readReference();
      const key = this.readText();
      this.dictionary.defineKey(id, key);
      return key;
    }
    return this.readText();
  }

  private readShape(): ReceivedShape {
    if (this.peek() !== 0xc0) return this.dictionary.shape(this.readReference());
    this.pos++;
    const id = this.readReference();
    const size = this.readU8();
    if (size < 1 || size > MAX_SHAPE_FIELDS) {
      throw new MalformedPayloadError(`a shape of ${size} fields, where 1 to 8 may be`);
    }
    const keys: string[] = [];
    const kinds: FieldKind[] = [];
    for (let i = 0; i < size; i++) {
      const key = this.readCompactKey();
      if (keys.includes(key)) {
        throw new MalformedPayloadError(`a shape holds the key ${JSON.stringify(key)} twice`);
      }
      const kind = this.readU8();
      if (kind !== FieldKind.Any && kind !== FieldKind.Float32) {
        throw new MalformedPayloadError(`a shape's field of unknown kind ${kind}`);
      }
      keys.push(key);
      kinds.push(kind);
    }
    const shape = { keys, kinds };
    this.dictionary.defineShape(id, shape);
    return shape;
  }

  private readReference(): number {
    const head = this.readU8();
    if (head <= 0x7f) return head;
    if (head < 0xe0) {
      throw new MalformedPayloadError(`0x${head.toString(16)} does not start a dictionary number`);
    }
    return 0x80 + (((head & 0x1f) << 8) | this.readU8());
  }

  /** A msgpack str: a key. */
  private readText(): string {
    const head = this.peek();
    if (!((head >= 0xa0 && head <= 0xbf) || (head >= 0xd9 && head <= 0xdb))) {
      throw new MalformedPayloadError(`0x${head.toString(16)} does not start a compact map key`);
    }
    return this.readValue(0) as string;
  }

  private peek(): number {
    this.need(1);
    return this.bytes[this.pos] as number;
  }
}
