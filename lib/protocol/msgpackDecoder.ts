import { readU16, readU32 } from './bigEndian';
import { MAX_NESTING_DEPTH } from './constants';
import { MalformedPayloadError } from './errors';
import { setEntry } from '../util/setEntry';
import type { FloatWidth } from './wireTypes';
import { isIndexKey, noteFloat, noteIntegerKey, noteKeyOrder } from './wireTypes';

// ignoreBOM: a string that starts with U+FEFF keeps it, as Python does.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

/** Strings up to this many bytes are decoded by hand when they are ASCII: faster than TextDecoder. */
const SHORT_STRING = 32;

/** Map keys up to this many bytes are looked up in the key cache before they are decoded. */
const CACHED_KEY_LENGTH = 16;

/** Slots of the key cache: a game's maps repeat a few hundred keys in every package. */
const KEY_CACHE_SLOTS = 1024;

// Whole past ~300 lines: one role, a cursor whose every read moves the same private bytes, view, pos.
/**
 * A msgpack decoder for the values PyGaSe sends: nil, booleans, integers, floats, strings, binary,
 * arrays and maps with string or integer keys. It is a cursor over the bytes (integers read big-endian by hand) that checks the
 * length before every read, so whatever bytes it is given it returns a value or throws a
 * {@link MalformedPayloadError}, never anything else. Reuse one instance: it allocates nothing per
 * call beyond the values it returns.
 *
 * Integers beyond 2^53 come back as `bigint`, so no digit is lost. Binary values are copied out of
 * the input, so the returned value does not keep the datagram alive. Integral floats, float64s and
 * integer map keys are noted (see `wireTypes.ts`) so that the value encodes back to the same bytes.
 */
export class MsgpackDecoder {
  protected bytes: Uint8Array = new Uint8Array(0);
  /**
   * A view of `bytes`, made only for what a view alone reads (floats, 64-bit integers): making one
   * costs more than decoding a small package, and most packages hold neither.
   */
  protected view: DataView | undefined;
  protected pos = 0;
  protected end = 0;
  /** Set when the value just read was a float whose width a number cannot show. */
  protected floatToNote: FloatWidth | 0 = 0;
  /**
   * Short ASCII map keys decoded before, by a hash of their bytes: a hit costs a comparison
   * instead of a new string. A slot holds the last key that hashed to it.
   */
  private readonly keyCache = new Array<string | undefined>(KEY_CACHE_SLOTS).fill(undefined);

  /**
   * Decodes the one msgpack value that fills `bytes[start..end)` exactly.
   *
   * @throws {@link MalformedPayloadError} If those bytes are not exactly one supported msgpack
   *   value.
   */
  decode(bytes: Uint8Array, start = 0, end = bytes.length): unknown {
    this.begin(bytes, start, end);
    const value = this.readValue(0);
    if (this.pos !== end) {
      throw new MalformedPayloadError(`${end - this.pos} bytes follow the msgpack value`);
    }
    return value;
  }

  protected readValue(depth: number): unknown {
    this.floatToNote = 0;
    const head = this.readU8();
    if (head <= 0x7f) return head; // positive fixint
    if (head <= 0x8f) return this.readMap(head - 0x80, depth); // fixmap
    if (head <= 0x9f) return this.readArray(head - 0x90, depth); // fixarray
    if (head <= 0xbf) return this.readString(head - 0xa0); // fixstr
    if (head >= 0xe0) return head - 0x100; // negative fixint
    switch (head) {
      case 0xc0: // nil
        return null;
      case 0xc2: // false
        return false;
      case 0xc3: // true
        return true;
      case 0xc4: // bin 8
        return this.readBinary(this.readU8());
      case 0xc5: // bin 16
        return this.readBinary(this.readU16());
      case 0xc6: // bin 32
        return this.readBinary(this.readU32());
      case 0xca: // float 32
        return this.readFloat32();
      case 0xcb: // float 64
        return this.readFloat64();
      case 0xcc: // uint 8
        return this.readU8();
      case 0xcd: // uint 16
        return this.readU16();
      case 0xce: // uint 32
        return this.readU32();
      case 0xcf: // uint 64
        return this.readU64();
      case 0xd0: // int 8
        this.need(1);
        return ((this.bytes[this.pos++] as number) << 24) >> 24;
      case 0xd1: // int 16
        return this.readI16();
      case 0xd2: // int 32
        return this.readI32();
      case 0xd3: // int 64
        return this.readI64();
      case 0xd9: // str 8
        return this.readString(this.readU8());
      case 0xda: // str 16
        return this.readString(this.readU16());
      case 0xdb: // str 32
        return this.readString(this.readU32());
      case 0xdc: // array 16
        return this.readArray(this.readU16(), depth);
      case 0xdd: // array 32
        return this.readArray(this.readU32(), depth);
      case 0xde: // map 16
        return this.readMap(this.readU16(), depth);
      case 0xdf: // map 32
        return this.readMap(this.readU32(), depth);
      case 0xc1: // never used
        return this.readNeverUsed(depth);
      default: // fixext 1..16, ext 8/16/32
        throw new MalformedPayloadError(
          `msgpack extension types are not part of the protocol (0x${head.toString(16)})`,
        );
    }
  }

  /** Points the cursor at `bytes[start..end)`. */
  protected begin(bytes: Uint8Array, start: number, end: number): void {
    if (bytes !== this.bytes) {
      this.bytes = bytes;
      this.view = undefined;
    }
    this.pos = start;
    this.end = end;
  }

  /** What byte 0xc1, which msgpack never uses, starts: nothing in plain msgpack. */
  protected readNeverUsed(depth: number): unknown {
    throw new MalformedPayloadError(`msgpack byte 0xc1 is never used (at depth ${depth})`);
  }

  protected readArray(size: number, depth: number): unknown[] {
    this.enter(depth, size, 'array');
    const array = new Array<unknown>(size);
    for (let i = 0; i < size; i++) {
      array[i] = this.readValue(depth + 1);
      if (this.floatToNote !== 0) {
        noteFloat(array, i, this.floatToNote);
        this.floatToNote = 0;
      }
    }
    return array;
  }

  protected readMap(size: number, depth: number): Record<string, unknown> {
    this.enter(depth, size * 2, 'map');
    const map: Record<string, unknown> = {};
    // JavaScript enumerates integer-like keys first, ascending; note the wire order if that differs.
    let keys: string[] | undefined;
    let seenOther = false;
    let lastIndex = -1;
    for (let i = 0; i < size; i++) {
      const key = this.readKey(map);
      if (keys !== undefined) {
        keys.push(key);
      } else if (isIndexKey(key)) {
        const index = Number(key);
        if (seenOther || index < lastIndex) keys = [...Object.keys(map), key];
        lastIndex = index;
      } else {
        seenOther = true;
      }
      const value = this.readValue(depth + 1);
      setEntry(map, key, value);
      if (this.floatToNote !== 0) {
        noteFloat(map, key, this.floatToNote);
        this.floatToNote = 0;
      }
    }
    if (keys !== undefined) noteKeyOrder(map, keys);
    return map;
  }

  /** Reads a map key: a string, or an integer noted as one. Nothing else is even read. */
  private readKey(map: Record<string, unknown>): string {
    this.need(1);
    const head = this.bytes[this.pos] as number;
    let key: string;
    if (head >= 0xa0 && head <= 0xbf) {
      key = this.readFixstrKey(head - 0xa0); // fixstr
    } else if (head >= 0xd9 && head <= 0xdb) {
      key = this.readValue(0) as string; // str 8/16/32
    } else if (head <= 0x7f || head >= 0xe0 || (head >= 0xcc && head <= 0xd3)) {
      const value = this.readValue(0); // fixint, uint 8..64, int 8..64
      if (typeof value !== 'number') {
        throw new MalformedPayloadError('a msgpack map key is an integer beyond 2^53');
      }
      key = String(value);
      noteIntegerKey(map, key);
    } else {
      throw new MalformedPayloadError('a msgpack map key must be a string or an integer');
    }
    if (Object.prototype.hasOwnProperty.call(map, key)) {
      throw new MalformedPayloadError(`the key ${JSON.stringify(key)} appears twice in one map`);
    }
    return key;
  }

  /** A fixstr map key, from the key cache when it holds it. */
  private readFixstrKey(byteLength: number): string {
    if (byteLength > CACHED_KEY_LENGTH) return this.readValue(0) as string;
    this.need(1 + byteLength);
    const bytes = this.bytes;
    const start = this.pos + 1;
    const end = start + byteLength;
    // FNV-1a; it also finds out whether the key is ASCII, the only keys cached.
    let hash = 0x811c9dc5;
    let high = 0;
    for (let i = start; i < end; i++) {
      const byte = bytes[i] as number;
      high |= byte;
      hash = Math.imul(hash ^ byte, 0x01000193);
    }
    if (high >= 0x80) return this.readValue(0) as string;
    const slot = (hash >>> 0) % KEY_CACHE_SLOTS;
    const cached = this.keyCache[slot];
    if (cached !== undefined && cached.length === byteLength && holdsAscii(cached, bytes, start)) {
      this.pos = end;
      return cached;
    }
    const key = this.readValue(0) as string;
    this.keyCache[slot] = key;
    return key;
  }

  protected readString(byteLength: number): string {
    this.need(byteLength);
    const start = this.pos;
    const end = start + byteLength;
    this.pos = end;
    if (byteLength <= SHORT_STRING) {
      let ascii = '';
      let i = start;
      for (; i < end; i++) {
        const byte = this.bytes[i] as number;
        if (byte >= 0x80) break;
        ascii += String.fromCharCode(byte);
      }
      if (i === end) return ascii;
    }
    try {
      return utf8.decode(this.bytes.subarray(start, end));
    } catch {
      throw new MalformedPayloadError('a msgpack string is not valid UTF-8');
    }
  }

  private readBinary(byteLength: number): Uint8Array {
    this.need(byteLength);
    const start = this.pos;
    this.pos += byteLength;
    // A copy, and a plain Uint8Array: Buffer's slice() would share the datagram's memory.
    return new Uint8Array(this.bytes.subarray(start, this.pos));
  }

  private readFloat32(): number {
    this.need(4);
    const value = this.dataView().getFloat32(this.pos);
    this.pos += 4;
    if (Number.isInteger(value)) this.floatToNote = 32;
    return value;
  }

  private readFloat64(): number {
    this.need(8);
    const value = this.dataView().getFloat64(this.pos);
    this.pos += 8;
    this.floatToNote = 64;
    return value;
  }

  protected readU8(): number {
    this.need(1);
    return this.bytes[this.pos++] as number;
  }

  protected readU16(): number {
    this.need(2);
    const value = readU16(this.bytes, this.pos);
    this.pos += 2;
    return value;
  }

  private readI16(): number {
    this.need(2);
    const value = (readU16(this.bytes, this.pos) << 16) >> 16;
    this.pos += 2;
    return value;
  }

  private readU32(): number {
    this.need(4);
    const value = readU32(this.bytes, this.pos);
    this.pos += 4;
    return value;
  }

  private readI32(): number {
    this.need(4);
    const value = readU32(this.bytes, this.pos) | 0;
    this.pos += 4;
    return value;
  }

  private readU64(): number | bigint {
    this.need(8);
    const value = this.dataView().getBigUint64(this.pos);
    this.pos += 8;
    return value <= MAX_SAFE ? Number(value) : value;
  }

  private readI64(): number | bigint {
    this.need(8);
    const value = this.dataView().getBigInt64(this.pos);
    this.pos += 8;
    return value <= MAX_SAFE && value >= MIN_SAFE ? Number(value) : value;
  }

  protected dataView(): DataView {
    const bytes = this.bytes;
    this.view ??= new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return this.view;
  }

  /** Refuses a container nested too deep, or claiming more entries than bytes remain. */
  protected enter(depth: number, minimumBytes: number, kind: string): void {
    if (depth >= MAX_NESTING_DEPTH) {
      throw new MalformedPayloadError(
        `msgpack values nest deeper than ${MAX_NESTING_DEPTH} levels`,
      );
    }
    if (minimumBytes > this.end - this.pos) {
      throw new MalformedPayloadError(
        `a msgpack ${kind} claims more entries than the ${this.end - this.pos} bytes left`,
      );
    }
  }

  protected need(byteLength: number): void {
    if (byteLength > this.end - this.pos) {
      throw new MalformedPayloadError('a msgpack value runs past the end of its bytes');
    }
  }
}

/** Whether `text`, ASCII, is the bytes from `start` on. */
function holdsAscii(text: string, bytes: Uint8Array, start: number): boolean {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) !== bytes[start + i]) return false;
  }
  return true;
}
