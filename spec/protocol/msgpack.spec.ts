import { Decoder, Encoder } from '@msgpack/msgpack';
import fc from 'fast-check';
import { MAX_NESTING_DEPTH } from '../../lib/protocol/constants';
import {
  MalformedPayloadError,
  PackageOverflowError,
  UnencodableValueError,
} from '../../lib/protocol/errors';
import { MsgpackDecoder } from '../../lib/protocol/msgpackDecoder';
import { MsgpackEncoder } from '../../lib/protocol/msgpackEncoder';
import { copyWireTypes, wireTypesOf } from '../../lib/protocol/wireTypes';
import { pyValue, writePython } from '../helpers/pythonMsgpack';

const encoder = new MsgpackEncoder();
const decoder = new MsgpackDecoder();
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const bytes = (hexString: string): Uint8Array => Uint8Array.from(Buffer.from(hexString, 'hex'));
const encode = (value: unknown): string => hex(encoder.encode(value, 1 << 20));
const decode = (hexString: string): unknown => decoder.decode(bytes(hexString));

/** The reference msgpack implementation, set to write floats as PyGaSe does. */
const reference = {
  float32: new Encoder({ forceFloat32: true }),
  float64: new Encoder(),
  decoder: new Decoder(),
};

/** Plain data of the kinds the protocol carries, with numbers both implementations write alike. */
const data = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }),
    fc.maxSafeInteger(),
    fc.double({ min: -3e38, max: 3e38, noNaN: true }).filter((x) => !Number.isInteger(x)),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.string({ maxLength: 300 }),
    fc.uint8Array({ maxLength: 300 }),
    fc.array(tie('value'), { maxLength: 20 }),
    // `__proto__` is left out: @msgpack/msgpack refuses it as a key (ours reads it as an entry,
    // tested on its own below), so the two cannot be compared on it.
    fc.dictionary(
      fc.string({ maxLength: 10 }).filter((key) => key !== '__proto__'),
      tie('value'),
      { maxKeys: 20 },
    ),
  ),
})).value;

describe('the msgpack codec', () => {
  describe('encoding, as PyGaSe writes', () => {
    it.each([
      [0, '00'],
      [127, '7f'],
      [128, 'cc80'],
      [255, 'ccff'],
      [256, 'cd0100'],
      [65536, 'ce00010000'],
      [2 ** 32, 'cf0000000100000000'],
      [-1, 'ff'],
      [-32, 'e0'],
      [-33, 'd0df'],
      [-128, 'd080'],
      [-129, 'd1ff7f'],
      [-32769, 'd2ffff7fff'],
      [-(2 ** 31) - 1, 'd3ffffffff7fffffff'],
      [2 ** 53 + 2, 'cf0020000000000002'],
      [0.5, 'ca3f000000'],
      [1e39, 'cb48078287f49c4a1d'],
      [3.4028234663852886e38, 'ca7f7fffff'],
      [2 ** 64, 'ca5f800000'],
      [-(2 ** 63), 'd38000000000000000'],
      [Infinity, 'ca7f800000'],
      [2n ** 64n - 1n, 'cfffffffffffffffff'],
      [-(2n ** 63n), 'd38000000000000000'],
      [5n, '05'],
      [null, 'c0'],
      [false, 'c2'],
      [true, 'c3'],
      ['', 'a0'],
      ['ä', 'a2c3a4'],
      ['a'.repeat(32), 'd920' + '61'.repeat(32)],
      ['a'.repeat(256), 'da0100' + '61'.repeat(256)],
      [Uint8Array.of(0xd2, 0x81, 0xe5, 0xba), 'c404d281e5ba'],
      [[1, [2]], '92019102'],
      [{ a: 1 }, '81a16101'],
    ])('writes %p as %s', (value, expected) => {
      expect(encode(value)).toBe(expected);
    });

    it('writes 16 entries and more with 16-bit counts', () => {
      expect(encode(new Array(16).fill(0)).slice(0, 6)).toBe('dc0010');
      const map = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, i]));
      expect(encode(map).slice(0, 6)).toBe('de0010');
      expect(encode(new Array(65536).fill(0)).slice(0, 10)).toBe('dd00010000');
      expect(encode('a'.repeat(65536)).slice(0, 10)).toBe('db00010000');
      expect(encode(new Uint8Array(256)).slice(0, 6)).toBe('c50100');
      expect(encode(new Uint8Array(65536)).slice(0, 10)).toBe('c600010000');
    });

    it('leaves out map entries that are undefined, as JSON does', () => {
      expect(encode({ a: 1, b: undefined })).toBe(encode({ a: 1 }));
    });

    it('writes exactly what @msgpack/msgpack writes with forceFloat32', () => {
      fc.assert(
        fc.property(data, (value) => {
          expect(encode(value)).toBe(hex(reference.float32.encode(value)));
        }),
        { numRuns: 500 },
      );
    });

    it.each([
      ['a function', () => 1, /type function/],
      ['a symbol', Symbol('s'), /type symbol/],
      ['undefined', undefined, /undefined/],
      ['undefined in an array', [1, undefined], /undefined in an array/],
      // eslint-disable-next-line no-sparse-arrays -- the hole is what is tested
      ['a hole in an array', [1, , 3], /undefined in an array/],
      ['a Date', new Date(0), /Date/],
      ['a Map', new Map(), /Map/],
      [
        'a class instance',
        new (class Player {
          name = 'ann';
        })(),
        /Player/,
      ],
      ['a typed array that is not bytes', new Float32Array(2), /Float32Array/],
      ['a BigInt beyond 64 bits', 2n ** 64n, /does not fit/],
      ['a BigInt below -2^63', -(2n ** 63n) - 1n, /does not fit/],
    ])('throws an UnencodableValueError for %s, saying where', (_what, value, reason) => {
      // The two arrays hold their undefined as item 1.
      const path = Array.isArray(value) ? 'nested[0][1]' : 'nested[0]';
      expect(() => encode(value)).toThrow(UnencodableValueError);
      expect(() => encode({ nested: [value] })).toThrow(reason);
      expect(() => encode({ nested: [value] })).toThrow(
        expect.objectContaining({ code: 'ERR_UNENCODABLE_VALUE', path }),
      );
    });

    it('throws an UnencodableValueError for a lone surrogate, which UTF-8 cannot carry', () => {
      expect(() => encode('\ud800')).toThrow(UnencodableValueError);
      expect(() => encode({ name: 'ann\udfff' })).toThrow(/lone UTF-16 surrogate/);
      expect(encode('😀')).toBe('a4f09f9880');
    });

    it('throws an UnencodableValueError for a cycle', () => {
      const cyclic: Record<string, unknown> = { a: 1 };
      cyclic.self = cyclic;
      expect(() => encode(cyclic)).toThrow(UnencodableValueError);
      expect(() => encode(cyclic)).toThrow(/cycle/);
      expect(() => encode({ players: [cyclic] })).toThrow(
        expect.objectContaining({ path: 'players[0].self' }),
      );
    });

    it('allows the same object twice side by side: only a cycle is refused', () => {
      const shared = { x: 1 };
      expect(decode(encode([shared, shared]))).toEqual([{ x: 1 }, { x: 1 }]);
    });

    it(`throws an UnencodableValueError past ${MAX_NESTING_DEPTH} levels`, () => {
      let deep: unknown = 1;
      for (let i = 0; i < MAX_NESTING_DEPTH; i++) deep = [deep];
      expect(() => encode(deep)).not.toThrow();
      expect(() => encode([deep])).toThrow(UnencodableValueError);
    });

    it('throws a PackageOverflowError at the byte limit, and writes nothing past it', () => {
      const target = new Uint8Array(20).fill(0xee);
      expect(encoder.encodeInto('abcdefghij', target, 2, 13)).toBe(13);
      expect(() => encoder.encodeInto('abcdefghijk', target, 2, 13)).toThrow(PackageOverflowError);
      expect(() => encoder.encodeInto('ä'.repeat(40), target, 2, 13)).toThrow(PackageOverflowError);
      expect(() => encoder.encodeInto(new Uint8Array(11), target, 2, 13)).toThrow(
        PackageOverflowError,
      );
      expect(target[13]).toBe(0xee);
      expect(() => encoder.encode({ a: 1 }, 3)).toThrow(PackageOverflowError);
    });
  });

  describe('decoding', () => {
    it('reads what @msgpack/msgpack writes, float32 and float64 alike', () => {
      fc.assert(
        fc.property(data, fc.boolean(), (value, float32) => {
          const written = (float32 ? reference.float32 : reference.float64).encode(value);
          expect(decoder.decode(written)).toEqual(reference.decoder.decode(written));
        }),
        { numRuns: 500 },
      );
    });

    it('reads every integer format', () => {
      expect(decode('d0df')).toBe(-33);
      expect(decode('d1ff7f')).toBe(-129);
      expect(decode('d2ffff7fff')).toBe(-32769);
      expect(decode('d3ffffffffffffffff')).toBe(-1);
      expect(decode('cf0000000000000005')).toBe(5);
    });

    it('reads 64-bit integers beyond 2^53 as BigInt, so no digit is lost', () => {
      expect(decode('cfffffffffffffffff')).toBe(2n ** 64n - 1n);
      expect(decode('d38000000000000000')).toBe(-(2n ** 63n));
    });

    it.each([
      ['a Uint8Array', bytes('c403010203')],
      ['a Buffer, as node:dgram delivers', Buffer.from('c403010203', 'hex')],
    ])('copies binary out of the datagram when it is %s', (_what, datagram) => {
      const value = decoder.decode(datagram) as Uint8Array;
      datagram[2] = 9;
      expect(Array.from(value)).toEqual([1, 2, 3]);
      expect(Object.getPrototypeOf(value)).toBe(Uint8Array.prototype);
    });

    it('reads a map key `__proto__` as an entry, not as the prototype', () => {
      const value = decode('81a95f5f70726f746f5f5f81a16101') as Record<string, unknown>;
      expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
      expect(Object.keys(value)).toEqual(['__proto__']);
      expect(Object.getOwnPropertyDescriptor(value, '__proto__')?.value).toEqual({ a: 1 });
      expect(encode(value)).toBe('81a95f5f70726f746f5f5f81a16101');
    });

    it.each([
      ['an empty input', '', /runs past the end/],
      ['a truncated string', 'a3616263'.slice(0, -2), /runs past the end/],
      ['a truncated float', 'ca3f00', /runs past the end/],
      ['the unused byte 0xc1', 'c1', /never used/],
      ['an extension type', 'd40100', /extension types/],
      ['an ext 8', 'c7010100', /extension types/],
      ['bytes after the value', '0100', /1 bytes follow/],
      ['an array claiming more items than bytes', 'ddffffffff00', /claims more entries/],
      ['a map claiming more entries than bytes', 'dfffffffff0000', /claims more entries/],
      ['a string claiming more bytes than there are', 'dbffffffff61', /runs past the end/],
      ['a map key that is an array', '819001', /string or an integer/],
      ['a map key that is a float', '81ca4040000001', /string or an integer/],
      ['a map key that is a BigInt', '81cfffffffffffffffff01', /beyond 2\^53/],
      ['a key twice', '82a16101a16102', /appears twice/],
      ['an integer key and its string twin', '820001a13002', /appears twice/],
      ['invalid UTF-8', 'a2c328', /UTF-8/],
      ['invalid UTF-8 in a long string', 'd928' + '61'.repeat(39) + 'ff', /UTF-8/],
    ])('throws a MalformedPayloadError for %s', (_what, input, reason) => {
      expect(() => decode(input)).toThrow(MalformedPayloadError);
      expect(() => decode(input)).toThrow(reason);
    });

    it('keeps a leading byte order mark in a string, as Python does', () => {
      expect(decode('a4efbbbf61')).toBe('\ufeffa');
      expect(encode(decode('91a4efbbbf61'))).toBe('91a4efbbbf61');
    });

    it('refuses a map key that is not a string or an integer before reading it', () => {
      // Each 0x81 is a map whose key would be the next map: nesting through keys, 2000 deep.
      const nested = new Uint8Array(2000).fill(0x81);
      const decodeDeep = (depth: number): unknown =>
        depth === 0 ? decoder.decode(nested) : decodeDeep(depth - 1);
      expect(() => decodeDeep(5000)).toThrow(MalformedPayloadError);
      expect(() => decodeDeep(5000)).toThrow(/must be a string or an integer/);
    });

    it(`throws a MalformedPayloadError past ${MAX_NESTING_DEPTH} levels`, () => {
      expect(() => decode('91'.repeat(MAX_NESTING_DEPTH) + '01')).not.toThrow();
      expect(() => decode('91'.repeat(MAX_NESTING_DEPTH + 1) + '01')).toThrow(
        MalformedPayloadError,
      );
      expect(() => decode('81a161'.repeat(MAX_NESTING_DEPTH + 1) + '01')).toThrow(/nest deeper/);
    });

    it('reads each short key as written, however many keys share the key cache', () => {
      // More keys than the cache has slots, alike in length and prefix, each map read twice:
      // the second read comes from the cache where the slot still holds the key.
      const keys = Array.from({ length: 5000 }, (_, i) =>
        `k${i.toString(36)}`.padEnd(1 + (i % 16)),
      );
      for (const key of [...keys, ...keys.reverse()]) {
        const written = reference.float32.encode({ [key]: 1, [`${key}!`]: 2 });
        expect(Object.keys(decoder.decode(written) as object)).toEqual([key, `${key}!`]);
        expect(Object.keys(decoder.decode(written) as object)).toEqual([key, `${key}!`]);
      }
    });

    it('decodes only the given range of a buffer', () => {
      expect(decoder.decode(bytes('ff01ff'), 1, 2)).toBe(1);
      expect(() => decoder.decode(bytes('ff9201ff'), 1, 3)).toThrow(MalformedPayloadError);
    });
  });

  describe('wire types a JavaScript value cannot show', () => {
    it('writes back a float that holds an integer as the float it was', () => {
      expect(encode(decode('92ca40400000cb4008000000000000'))).toBe(
        '92ca40400000cb4008000000000000',
      );
      expect(encode(decode('81a178ca80000000'))).toBe('81a178ca80000000');
    });

    it('writes back a float64 as float64, keeping its precision', () => {
      expect(encode(decode('91cb3fb999999999999a'))).toBe('91cb3fb999999999999a');
      expect(decode('91cb3fb999999999999a')).toEqual([0.1]);
    });

    it('writes back integer map keys as integers, as Python sent them', () => {
      const value = decode('8200a3616e6ea162a3626f62');
      expect(value).toEqual({ 0: 'ann', b: 'bob' });
      expect(encode(value)).toBe('8200a3616e6ea162a3626f62');
    });

    it("writes back a map's keys in their wire order, where JavaScript would reorder them", () => {
      // {"b": 1, "0": 2}: JavaScript enumerates "0" first
      const stringKeys = decode('82a16201a13002') as Record<string, unknown>;
      expect(Object.keys(stringKeys)).toEqual(['0', 'b']);
      expect(encode(stringKeys)).toBe('82a16201a13002');
      // {"k": 1, 5: 2, 3: 3}: integer keys after a string key, and descending
      expect(encode(decode('83a16b01050203' + '03'))).toBe('83a16b0105020303');
      // {2: "a", 1: "b"}: integer keys out of order
      expect(encode(decode('8202a16101a162'))).toBe('8202a16101a162');
    });

    it('keeps the wire order for the keys that stay, and adds new keys after them', () => {
      const map = decode('83a16201a13002a16103') as Record<string, unknown>;
      delete map.b;
      map.z = 4;
      map['1'] = 5;
      expect(encode(map)).toBe('84a13002a16103a13105a17a04');
    });

    it('notes no order where JavaScript keeps it: index keys first and ascending', () => {
      expect(wireTypesOf(decode('83a13001a13102a16103') as object)).toBeUndefined();
      expect(wireTypesOf(decode('82a1610ba162a0') as object)).toBeUndefined();
      // "01" and "4294967295" are not array indices: JavaScript keeps them in insertion order
      expect(wireTypesOf(decode('82a16101a2303102') as object)).toBeUndefined();
      expect(wireTypesOf(decode('82a16101aa3432393439363732393502') as object)).toBeUndefined();
    });

    it('gives back the exact bytes of any value a Python peer writes', () => {
      fc.assert(
        // Inside a container, as every payload of the protocol is: a bare number has no notes.
        fc.property(pyValue, (value) => {
          const written = writePython({ list: [value] });
          expect(hex(encoder.encode(decoder.decode(written), 1 << 20))).toBe(hex(written));
        }),
        { numRuns: 2000 },
      );
    });

    it('notes nothing for values JavaScript already tells apart', () => {
      const value = decode('83a16101a162ca3fc00000a163a0') as object;
      expect(wireTypesOf(value)).toBeUndefined();
    });

    it('carries the notes over to a copy', () => {
      const original = decode('82a178ca40400000a17901') as Record<string, unknown>;
      const copy = { ...original };
      expect(encode(copy)).toBe('82a17803a17901');
      copyWireTypes(original, copy);
      expect(encode(copy)).toBe('82a178ca40400000a17901');
      copyWireTypes({}, copy);
      expect(encode(copy)).toBe('82a178ca40400000a17901');
    });

    it('writes a noted float32 whose new integral value float32 would round as float64', () => {
      const value = decode('91ca3f800000') as number[];
      value[0] = 123456789;
      expect(encode(value)).toBe('91cb419d6f3454000000');
    });

    it('writes a noted entry by its current value once it is no longer integral', () => {
      const value = decode('91ca40400000') as number[];
      value[0] = 2.5;
      expect(encode(value)).toBe('91ca40200000');
    });
  });
});
