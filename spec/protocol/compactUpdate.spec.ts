import fc from 'fast-check';
import { ReceivedDictionary } from '../../lib/protocol/compactDictionary';
import { SentDictionary } from '../../lib/protocol/sentDictionary';
import { MAX_KEYS, MAX_SHAPES } from '../../lib/protocol/compactDictionary';
import { CompactDecoder } from '../../lib/protocol/compactDecoder';
import { CompactEncoder } from '../../lib/protocol/compactEncoder';
import {
  DecodeError,
  MalformedPayloadError,
  PackageOverflowError,
  UnencodableValueError,
} from '../../lib/protocol/errors';
import { MsgpackDecoder } from '../../lib/protocol/msgpackDecoder';
import { MsgpackEncoder } from '../../lib/protocol/msgpackEncoder';
import type { UpdatePayload } from '../../lib/protocol/packages';
import { noteFloat, noteIntegerKey, wireTypesOf } from '../../lib/protocol/wireTypes';
import { TO_DELETE } from '../../lib/state/toDelete';

const encoder = new CompactEncoder();
const plainEncoder = new MsgpackEncoder();
const plainDecoder = new MsgpackDecoder();
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const fromHex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'hex'));

/** What plain msgpack gives back for `value`: float32s rounded, as the compact form rounds them. */
const throughMsgpack = (value: unknown): unknown =>
  plainDecoder.decode(plainEncoder.encode(value, 1 << 20));

/** A sender and a receiver of one connection, and the packages between them. */
class Link {
  readonly sent = new SentDictionary();
  readonly decoder = new CompactDecoder(new ReceivedDictionary());
  private sequence = 0;

  /** Encodes `update` as package `sequence`, and the receiver decodes it. */
  send(update: UpdatePayload, { acked = true } = {}): { bytes: Uint8Array; decoded: unknown } {
    const { bytes, carried } = encoder.encodeUpdate(update, this.sent, 1 << 20);
    const sequence = ++this.sequence;
    this.sent.carried(sequence, carried);
    const decoded = this.decoder.decodeUpdate(bytes);
    if (acked) this.sent.acked(sequence);
    return { bytes, decoded };
  }
}

const moved = (ids: readonly number[], time = 5): UpdatePayload => ({
  time_order: time,
  entities: Object.fromEntries(ids.map((id) => [`e${id}`, { x: id + 0.5, y: id + 0.25 }])),
});

/** Values of the kinds an update carries, with float32-exact floats and some repeated keys. */
const value = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }),
    fc.double({ min: -3e38, max: 3e38, noNaN: true }).filter((x) => !Number.isInteger(x)),
    fc.string({ maxLength: 20 }),
    fc.uint8Array({ maxLength: 20 }),
    fc.constant(TO_DELETE),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(
      fc.oneof(fc.constantFrom('x', 'y', 'name', 'hp', 'e1', 'e2'), fc.string({ maxLength: 6 })),
      tie('value'),
      { maxKeys: 12 },
    ),
  ),
})).value;

const update = fc
  .tuple(
    fc.integer({ min: 0, max: 0xffff }),
    fc.dictionary(
      fc.string({ maxLength: 8 }).filter((key) => key !== 'time_order' && key !== 'game_status'),
      value,
      { maxKeys: 12 },
    ),
  )
  .map(([time, rest]) => ({ time_order: time, ...rest }) as UpdatePayload);

describe('compact updates', () => {
  describe('round trips', () => {
    it('give back what plain msgpack gives back, package after package, acked or not', () => {
      fc.assert(
        fc.property(fc.array(fc.tuple(update, fc.boolean()), { maxLength: 8 }), (updates) => {
          const link = new Link();
          for (const [sent, acked] of updates) {
            expect(link.send(sent, { acked }).decoded).toEqual(throughMsgpack(sent));
          }
        }),
        { numRuns: 300 },
      );
    });

    it('keep what wire types say: integral floats, float64s and integer keys', () => {
      const entity: Record<string, unknown> = { x: 3, y: 0.1, 7: 'seven' };
      noteFloat(entity, 'x', 32);
      noteFloat(entity, 'y', 64);
      noteIntegerKey(entity, '7');
      const link = new Link();
      const { decoded } = link.send({ time_order: 1, entity });
      const back = (decoded as { entity: Record<string, unknown> }).entity;
      expect(back).toEqual({ x: 3, y: 0.1, 7: 'seven' });
      expect(wireTypesOf(back)?.floats?.get('x')).toBe(32);
      expect(wireTypesOf(back)?.floats?.get('y')).toBe(64);
      expect(wireTypesOf(back)?.integerKeys?.has('7')).toBe(true);
    });

    it('mark an integral float32 of a shape as a float, as plain msgpack does', () => {
      const link = new Link();
      link.send(moved([1]));
      const { decoded } = link.send({
        time_order: 6,
        entities: { e1: { x: 0.5, y: 2 ** 30 + 0.5 } },
      });
      const e1 = (decoded as { entities: Record<string, Record<string, number>> }).entities.e1;
      expect(e1).toEqual({ x: 0.5, y: 2 ** 30 });
      expect(wireTypesOf(e1 as object)?.floats?.get('y')).toBe(32);
    });

    it('carry a key named __proto__ as an entry', () => {
      const entities = JSON.parse('{"__proto__": {"x": 1.5}}') as Record<string, unknown>;
      const { decoded } = new Link().send({ time_order: 1, entities });
      const back = (decoded as { entities: Record<string, unknown> }).entities;
      expect(Object.keys(back)).toEqual(['__proto__']);
      expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    });
  });

  describe('the dictionary', () => {
    it('defines a key where it is first used, once per update, and a shape once seen twice', () => {
      const link = new Link();
      const { bytes } = link.send({ time_order: 1, a: { x: 0.5 }, b: { x: 1.5 } });
      // u16 time_order; fixmap 2; key 0 "a" defined; a fixmap of key 1 "x" defined and a msgpack
      // float32; key 2 "b" defined; c1, shape 0 defined (one field: key 1, float32), a float32.
      expect(hex(bytes)).toBe(
        '0001' +
          '82' +
          'c000a161' +
          '81' +
          'c001a178' +
          'ca3f000000' +
          'c002a162' +
          'c1' +
          'c000010101' +
          '3fc00000',
      );
    });

    it('writes the definitions again in each package until one that carried them is acked', () => {
      const link = new Link();
      link.send(moved([1, 2]), { acked: false });
      const second = link.send(moved([1, 2], 6), { acked: false }).bytes;
      const third = link.send(moved([1, 2], 7), { acked: false }).bytes;
      expect(hex(third.subarray(2))).toBe(hex(second.subarray(2)));
      link.send(moved([1, 2], 8));
      const after = link.send(moved([1, 2], 9)).bytes;
      expect(after.length).toBeLessThan(second.length / 2);
    });

    it('writes them again after a package that carried them was lost', () => {
      const link = new Link();
      const first = encoder.encodeUpdate(moved([1, 2]), link.sent, 2048);
      link.sent.carried(1, first.carried);
      link.sent.lost(1);
      link.sent.acked(1);
      const again = encoder.encodeUpdate(moved([1, 2], 6), link.sent, 2048);
      for (const definition of first.carried) expect(again.carried).toContain(definition);
      expect(link.sent.version).toBe(0);
    });

    it('takes what a block carried as known once the block arrived', () => {
      const link = new Link();
      const { carried } = encoder.encodeUpdate(moved([1, 2, 3]), link.sent, 1 << 20);
      link.sent.know(carried);
      expect(link.sent.version).toBe(carried.length);
      // key "entities", shape {x, y}: known, so a new entity costs its key's definition only.
      const next = encoder.encodeUpdate(moved([4]), link.sent, 2048);
      expect(next.carried).toHaveLength(1);
    });

    it('costs a moved entity its key, a shape and two float32s: 11 bytes once known', () => {
      const link = new Link();
      const ids = Array.from({ length: 20 }, (_, i) => i * 3);
      link.send(moved(ids));
      const { bytes } = link.send(moved(ids, 6));
      // u16 time_order, fixmap 1, key "entities", map 16 of 20: 7 bytes, then 11 an entity.
      expect(bytes.length).toBe(7 + 20 * 11);
    });

    it('numbers keys past 127 in two bytes, up to the last number', () => {
      const link = new Link();
      const entities = Object.fromEntries(Array.from({ length: 600 }, (_, i) => [`e${i}`, i]));
      link.send({ time_order: 1, entities });
      const { bytes, decoded } = link.send({ time_order: 2, entities: { e599: 1 } });
      expect(decoded).toEqual({ time_order: 2, entities: { e599: 1 } });
      // Key "entities" is 0 and "e599" 600, 128 + 0x1d8: e1 d8. One field, not a float32: a map.
      expect(hex(bytes)).toBe('0002' + '8100' + '81' + 'e1d8' + '01');
    });

    it('writes keys as strings once it numbered as many as it can', () => {
      const link = new Link();
      const keys = Array.from({ length: MAX_KEYS + 5 }, (_, i) => `k${i}`);
      for (let i = 0; i < keys.length; i += 1000) {
        const entities = Object.fromEntries(keys.slice(i, i + 1000).map((key) => [key, null]));
        link.send({ time_order: 1, entities });
      }
      expect(link.sent.keyCount).toBe(MAX_KEYS);
      const last = `k${MAX_KEYS + 4}`;
      const { bytes, decoded } = link.send({ time_order: 3, entities: { [last]: 1, e: 2 } });
      expect(decoded).toEqual({ time_order: 3, entities: { [last]: 1, e: 2 } });
      expect(Buffer.from(bytes).includes(Buffer.from(last))).toBe(true);
    });

    it('writes plain maps once it defined as many shapes as it can', () => {
      const link = new Link();
      for (let i = 0; i < MAX_SHAPES + 3; i++) {
        link.send({ time_order: 1, [`s${i}`]: 0.5 });
        link.send({ time_order: 1, [`s${i}`]: 0.5 });
      }
      const { decoded, bytes } = link.send({ time_order: 2, fresh: 0.5 });
      expect(decoded).toEqual({ time_order: 2, fresh: 0.5 });
      expect(bytes[2]).toBe(0x81); // a fixmap, not c1
    });
    it('makes no shape of maps seen once, such as ids that come and go, however many', () => {
      const link = new Link();
      for (let i = 0; i < 3000; i++) link.send({ time_order: 1, ents: { [`e${i}`]: TO_DELETE } });
      for (let i = 0; i < 3000; i++) {
        link.send({ time_order: 1, ents: { [`a${i}`]: i + 0.5, [`b${i}`]: 1 } });
      }
      link.send({ time_order: 2, ents: { p: { x: 1.5, y: 2.5 } } });
      link.send({ time_order: 3, ents: { p: { x: 1.5, y: 2.5 } } });
      const { bytes } = link.send({ time_order: 4, ents: { p: { x: 1.5, y: 2.5 } } });
      // u16, fixmap 1, key "ents"; fixmap 1, key "p" (past 127: two bytes); c1, shape 0, two
      // float32s. The 6,000 maps before it defined no shape.
      expect(bytes.length).toBe(2 + 1 + 1 + 1 + 2 + 1 + 1 + 8);
      expect(bytes[bytes.length - 9]).toBe(0);
    });

    it('never numbers a key past 64 characters, and refuses the definition of one', () => {
      const link = new Link();
      const long = 'k'.repeat(65);
      link.send({ time_order: 1, [long]: { x: 0.5, y: 0.5 } });
      const { bytes, decoded } = link.send({ time_order: 2, [long]: { x: 0.5, y: 0.5 } });
      expect(decoded).toEqual({ time_order: 2, [long]: { x: 0.5, y: 0.5 } });
      expect(Buffer.from(bytes).includes(Buffer.from(long))).toBe(true);
      const defined = '0001' + '81' + 'c000' + 'd941' + '6b'.repeat(65) + '01';
      expect(() => new CompactDecoder().decodeUpdate(fromHex(defined))).toThrow(
        MalformedPayloadError,
      );
    });
  });

  describe('refusals', () => {
    it('refuses what msgpack cannot carry, an update too large, and a bad game_status', () => {
      const sent = new SentDictionary();
      expect(() =>
        encoder.encodeUpdate({ time_order: 1, f: (() => 1) as unknown }, sent, 2048),
      ).toThrow(UnencodableValueError);
      expect(() => encoder.encodeUpdate(moved([1, 2, 3, 4]), sent, 20)).toThrow(
        PackageOverflowError,
      );
      expect(() => encoder.encodeUpdate({ time_order: 1, game_status: 2 }, sent, 2048)).toThrow(
        UnencodableValueError,
      );
    });

    it.each([
      ['a number never defined', '0001' + '81' + '05' + '01'],
      ['a shape never defined', '0001' + '81' + 'c000a161' + 'c107'],
      ['a key defined again as another', '0001' + '82' + 'c000a161' + '01' + 'c000a162' + '02'],
      ['a truncated float32', '0001' + '81' + 'c000a161' + 'c1c00001c001a1780140'],
      ['a shape of no fields', '0001' + 'c1c00000'],
      ['a shape of 9 fields', '0001' + 'c1c00009'],
      ['a field of unknown kind', '0001' + 'c1c00001c000a16102'],
      ['a shape with a key past 64 characters', '0001c1c00001d941' + '6b'.repeat(65) + '01'],
      ['a shape with a key twice', '0001' + 'c1c00002c000a16101' + '0001'],
      ['bytes after the update', '0001' + '80' + '00'],
      ['time_order twice', '0001' + '81' + 'c000aa74696d655f6f72646572' + '01'],
      ['no map', '0001' + '01'],
      ['a key that is an integer', '0001' + '81' + 'cc05' + '01'],
      ['an escape that is not a map', '0001' + 'c1c2' + '01'],
      ['a bad game_status', '0001' + '81' + 'c000ab67616d655f737461747573' + '07'],
      ['a reference that is not one', '0001' + 'c1c0c5'],
    ])('refuses %s with a MalformedPayloadError', (_case, text) => {
      const decoder = new CompactDecoder();
      expect(() => decoder.decodeUpdate(fromHex(text))).toThrow(MalformedPayloadError);
    });

    it('throws nothing but a DecodeError for any bytes, with definitions learned on the way', () => {
      const decoder = new CompactDecoder();
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
          try {
            decoder.decodeUpdate(bytes);
          } catch (error) {
            expect(error).toBeInstanceOf(DecodeError);
          }
        }),
        { numRuns: 5000 },
      );
    });
  });
});
