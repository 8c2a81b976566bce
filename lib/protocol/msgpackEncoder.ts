import { isPlainObject } from '../util/plainObject';
import { MAX_NESTING_DEPTH, MAX_PACKAGE_SIZE } from './constants';
import { PackageOverflowError, UnencodableValueError } from './errors';
import type { FloatWidth, WireTypes } from './wireTypes';
import { wireTypesOf } from './wireTypes';
import { atPath, pathTo } from '../util/valuePath';
import { isWellFormed } from '../util/wellFormed';

const utf8 = new TextEncoder();
const UINT64_MAX = 2n ** 64n - 1n;
const INT64_MIN = -(2n ** 63n);

/**
 * A msgpack encoder that writes as PyGaSe does: integers in their smallest form, every other
 * number as float32 (PyGaSe's `force_float_precision="single"`), strings as str, `Uint8Array`s as
 * bin. It writes straight into a caller's buffer up to a byte limit, so a package is encoded in
 * place, and refuses with a named error what msgpack cannot carry instead of writing something
 * else. Reuse one instance.
 *
 * Numbers that float32 cannot hold (beyond ±3.4e38) go as float64, and integers beyond 2^53 as
 * 64-bit integers, so no value is silently rounded away from what the caller meant. Decoded values
 * keep their wire types (see `wireTypes.ts`).
 */
export class MsgpackEncoder {
  protected bytes: Uint8Array = new Uint8Array(MAX_PACKAGE_SIZE);
  protected view: DataView = new DataView(this.bytes.buffer);
  protected pos = 0;
  protected limit = 0;
  protected readonly ancestors: object[] = [];
  private scratch = new Uint8Array(MAX_PACKAGE_SIZE);

  /**
   * Encodes `value` into `target` from `offset`, writing no byte at or past `limit`.
   *
   * @return The offset after the last byte written.
   * @throws {@link PackageOverflowError} If the encoding does not fit before `limit`.
   * @throws {@link UnencodableValueError} If msgpack cannot carry `value` or a part of it.
   */
  encodeInto(value: unknown, target: Uint8Array, offset: number, limit: number): number {
    this.begin(target, offset, limit);
    this.writeValue(value, undefined);
    return this.pos;
  }

  /** Points the writer at `target` from `offset`, writing no byte at or past `limit`. */
  protected begin(target: Uint8Array, offset: number, limit: number): void {
    if (target !== this.bytes) {
      this.bytes = target;
      this.view = new DataView(target.buffer, target.byteOffset, target.byteLength);
    }
    this.pos = offset;
    this.limit = Math.min(limit, target.length);
    if (this.ancestors.length > 0) this.ancestors.length = 0; // left over from a throw
  }

  /** A buffer of at least `size` bytes to encode into, reused from call to call. */
  protected scratchOf(size: number): Uint8Array {
    if (this.scratch.length < size) this.scratch = new Uint8Array(size);
    return this.scratch;
  }

  /**
   * Encodes `value` into a new array of at most `maxSize` bytes.
   *
   * @throws {@link PackageOverflowError} If the encoding is longer than `maxSize`.
   * @throws {@link UnencodableValueError} If msgpack cannot carry `value` or a part of it.
   */
  encode(value: unknown, maxSize = MAX_PACKAGE_SIZE): Uint8Array {
    const scratch = this.scratchOf(maxSize);
    return scratch.slice(0, this.encodeInto(value, scratch, 0, maxSize));
  }

  protected writeValue(value: unknown, float: FloatWidth | undefined): void {
    switch (typeof value) {
      case 'number':
        return this.writeNumber(value, float);
      case 'string':
        return this.writeString(value);
      case 'boolean':
        return this.writeU8(value ? 0xc3 : 0xc2); // true / false
      case 'bigint':
        return this.writeBigInt(value);
      case 'object':
        if (value === null) return this.writeU8(0xc0); // nil
        if (value instanceof Uint8Array) return this.writeBinary(value);
        if (Array.isArray(value)) return this.writeArray(value);
        if (isPlainObject(value)) return this.writeMap(value);
        throw this.refuse(
          `msgpack cannot carry a ${value.constructor?.name ?? 'non-plain'} object; send plain objects, arrays, strings, numbers, booleans, null or Uint8Array`,
          value,
        );
      default:
        throw this.refuse(`msgpack cannot carry a value of type ${typeof value}`, value);
    }
  }

  private writeNumber(value: number, float: FloatWidth | undefined): void {
    if (float === undefined && Number.isInteger(value)) {
      if (Number.isSafeInteger(value)) return this.writeInteger(value);
      if (value >= -(2 ** 63) && value < 2 ** 64) return this.writeBigInt(BigInt(value));
    }
    // float32, as PyGaSe writes every float; but an integral value float32 would round (or
    // overflow to infinity) goes as float64, exact: an integer is never silently changed.
    if (float !== 64 && (!Number.isInteger(value) || Math.fround(value) === value)) {
      this.reserve(5);
      this.bytes[this.pos++] = 0xca; // float 32
      this.view.setFloat32(this.pos, value);
      this.pos += 4;
    } else {
      this.reserve(9);
      this.bytes[this.pos++] = 0xcb; // float 64
      this.view.setFloat64(this.pos, value);
      this.pos += 8;
    }
  }

  protected writeInteger(value: number): void {
    if (value >= 0) {
      if (value < 0x80) return this.writeU8(value); // positive fixint
      if (value < 0x100) return this.writeHeadU8(0xcc, value); // uint 8
      if (value < 0x10000) return this.writeHeadU16(0xcd, value); // uint 16
      if (value < 0x100000000) return this.writeHeadU32(0xce, value); // uint 32
      return this.writeBigInt(BigInt(value));
    }
    if (value >= -0x20) return this.writeU8(value + 0x100); // negative fixint
    // The wider signed forms are written as their two's complement, unsigned.
    if (value >= -0x80) return this.writeHeadU8(0xd0, value + 0x100); // int 8
    if (value >= -0x8000) return this.writeHeadU16(0xd1, value + 0x10000); // int 16
    if (value >= -0x80000000) return this.writeHeadU32(0xd2, value + 0x100000000); // int 32
    return this.writeBigInt(BigInt(value));
  }

  private writeBigInt(value: bigint): void {
    if (value >= 0n && value <= UINT64_MAX) {
      if (value < 0x100000000n) return this.writeInteger(Number(value));
      this.reserve(9);
      this.bytes[this.pos++] = 0xcf; // uint 64
      this.view.setBigUint64(this.pos, value);
    } else if (value < 0n && value >= INT64_MIN) {
      if (value >= -0x80000000n) return this.writeInteger(Number(value));
      this.reserve(9);
      this.bytes[this.pos++] = 0xd3; // int 64
      this.view.setBigInt64(this.pos, value);
    } else {
      throw this.refuse(`the integer ${value} does not fit in msgpack's 64 bits`, value);
    }
    this.pos += 8;
  }

  protected writeString(value: string): void {
    if (value.length < 32 && this.writeShortAscii(value)) return;
    this.reserve(1 + value.length); // every UTF-16 unit takes at least a byte: refuse early
    if (!isWellFormed(value)) {
      // UTF-8 has no form for a lone surrogate; TextEncoder would write U+FFFD instead.
      throw this.refuse('a string holds a lone UTF-16 surrogate, which UTF-8 cannot carry', value);
    }
    const encoded = utf8.encode(value);
    const length = encoded.length;
    if (length < 32)
      this.writeU8(0xa0 + length); // fixstr
    else if (length < 0x100)
      this.writeHeadU8(0xd9, length); // str 8
    else if (length < 0x10000)
      this.writeHeadU16(0xda, length); // str 16
    else this.writeHeadU32(0xdb, length); // str 32
    this.writeBytes(encoded);
  }

  /** The common case, a short ASCII string, without a TextEncoder call. */
  private writeShortAscii(value: string): boolean {
    const length = value.length;
    this.reserve(1 + length);
    const start = this.pos;
    for (let i = 0; i < length; i++) {
      const code = value.charCodeAt(i);
      if (code >= 0x80) return false;
      this.bytes[start + 1 + i] = code;
    }
    this.bytes[start] = 0xa0 + length; // fixstr
    this.pos = start + 1 + length;
    return true;
  }

  private writeBinary(value: Uint8Array): void {
    const length = value.length;
    if (length < 0x100)
      this.writeHeadU8(0xc4, length); // bin 8
    else if (length < 0x10000)
      this.writeHeadU16(0xc5, length); // bin 16
    else this.writeHeadU32(0xc6, length); // bin 32
    this.writeBytes(value);
  }

  protected writeArray(array: readonly unknown[]): void {
    this.enter(array);
    const length = array.length;
    this.writeContainerHead(length, 0x90, 0xdc); // fixarray / array 16 / array 32
    const floats = wireTypesOf(array)?.floats;
    for (let i = 0; i < length; i++) {
      const item = array[i];
      if (item === undefined) {
        throw this.refuse(
          'msgpack cannot carry undefined in an array; use null for "no value"',
          item,
        );
      }
      this.writeValue(item, floats?.get(i));
    }
    this.ancestors.pop();
  }

  protected writeMap(map: Readonly<Record<string, unknown>>): void {
    this.enter(map);
    const types: WireTypes | undefined = wireTypesOf(map);
    const keys = types?.keyOrder ? inWireOrder(map, types.keyOrder) : Object.keys(map);
    let size = 0;
    for (const key of keys) if (map[key] !== undefined) size++;
    this.writeContainerHead(size, 0x80, 0xde); // fixmap / map 16 / map 32
    for (const key of keys) {
      const value = map[key];
      if (value === undefined) continue; // as JSON does: an undefined entry is an absent one
      if (types?.integerKeys?.has(key)) this.writeInteger(Number(key));
      else this.writeString(key);
      this.writeValue(value, types?.floats?.get(key));
    }
    this.ancestors.pop();
  }

  protected writeContainerHead(size: number, fixHead: number, head16: number): void {
    if (size < 16) this.writeU8(fixHead + size);
    else if (size < 0x10000) this.writeHeadU16(head16, size);
    else this.writeHeadU32(head16 + 1, size);
  }

  protected enter(container: object): void {
    if (this.ancestors.includes(container)) {
      throw this.refuse('msgpack cannot carry a cycle: a value holds itself', container);
    }
    if (this.ancestors.length >= MAX_NESTING_DEPTH) {
      throw this.refuse(`values may nest at most ${MAX_NESTING_DEPTH} levels deep`, container);
    }
    this.ancestors.push(container);
  }

  /** The error for `value`, refused: with where it sits in what is being encoded. */
  protected refuse(problem: string, value: unknown): UnencodableValueError {
    const path = pathTo(this.ancestors, value);
    return new UnencodableValueError(`${problem}${atPath(path)}`, { path });
  }

  protected writeU8(byte: number): void {
    this.reserve(1);
    this.bytes[this.pos++] = byte;
  }

  private writeHeadU8(head: number, value: number): void {
    this.reserve(2);
    this.bytes[this.pos++] = head;
    this.bytes[this.pos++] = value;
  }

  private writeHeadU16(head: number, value: number): void {
    this.reserve(3);
    this.bytes[this.pos++] = head;
    this.view.setUint16(this.pos, value);
    this.pos += 2;
  }

  private writeHeadU32(head: number, value: number): void {
    this.reserve(5);
    this.bytes[this.pos++] = head;
    this.view.setUint32(this.pos, value);
    this.pos += 4;
  }

  private writeBytes(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.bytes.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  protected reserve(byteLength: number): void {
    if (this.pos + byteLength > this.limit) {
      throw new PackageOverflowError(`the encoding would exceed the limit of ${this.limit} bytes`);
    }
  }
}

/** The keys of `map` in the order they came over the wire, then any added since. */
function inWireOrder(map: object, order: readonly string[]): string[] {
  const own = Object.keys(map);
  const known = new Set(order);
  return order
    .filter((key) => Object.prototype.hasOwnProperty.call(map, key))
    .concat(own.filter((key) => !known.has(key)));
}
