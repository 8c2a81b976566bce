import { MAX_PACKAGE_SIZE } from '../../lib/protocol/constants';
import { decodeClientPackage, decodePackage, decodeServerPackage } from '../../lib/protocol/decode';
import {
  appendEvents,
  encodeClientPackage,
  encodeEvent,
  encodePackage,
  encodeServerPackage,
  encodeServerPackageWith,
  encodeUpdate,
} from '../../lib/protocol/encode';
import {
  DecodeError,
  MalformedPayloadError,
  PackageOverflowError,
  ProtocolIdMismatchError,
  SequenceRangeError,
  TruncatedDatagramError,
  UnencodableValueError,
} from '../../lib/protocol/errors';
import { MsgpackEncoder } from '../../lib/protocol/msgpackEncoder';
import type { GameEvent } from '../../lib/protocol/packages';

const header = { sequence: 4, ack: 5, ackBitfield: 0xaaaaaaaa };
const test: GameEvent = { type: 'TEST', args: ['Foo', 'Bar'], kwargs: {} };
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const bytes = (hexString: string): Uint8Array => Uint8Array.from(Buffer.from(hexString, 'hex'));

describe('packages', () => {
  describe('an update encoded once', () => {
    it('makes the same server package as the update itself, time_order last', () => {
      const update = { time_order: 9, players: { ann: [1.5, 2] }, score: 3 };
      const encoded = encodeUpdate(update);
      expect(hex(encodeServerPackageWith(header, encoded, [test]))).toBe(
        hex(encodeServerPackage({ header, update, events: [test] })),
      );
      const moved = { players: {}, time_order: 10, score: 1 };
      expect(hex(encodeServerPackageWith(header, encodeUpdate(moved), []))).toBe(
        hex(encodeServerPackage({ header, update: moved, events: [] })),
      );
    });

    it('refuses what encodeServerPackage refuses, with the same errors', () => {
      expect(() => encodeUpdate({ time_order: 70000 })).toThrow(SequenceRangeError);
      expect(() => encodeUpdate({ time_order: 1, game_status: 7 })).toThrow(UnencodableValueError);
      const big = { time_order: 1, blob: new Uint8Array(MAX_PACKAGE_SIZE) };
      expect(() => encodeUpdate(big)).toThrow(PackageOverflowError);
      const full = encodeUpdate({ time_order: 1, blob: new Uint8Array(MAX_PACKAGE_SIZE - 40) });
      const events = [{ type: 'X', args: ['a'.repeat(40)], kwargs: {} }];
      expect(() => encodeServerPackageWith(header, full, events)).toThrow(PackageOverflowError);
    });
  });

  describe('events encoded once', () => {
    it('make the same packages as the events themselves, of every kind', () => {
      const other: GameEvent = { type: 'MOVE', args: [1.5], kwargs: { to: 'left' } };
      const events = [encodeEvent(test), encodeEvent(other)];
      expect(hex(appendEvents(encodePackage({ header, events: [] }), events))).toBe(
        hex(encodePackage({ header, events: [test, other] })),
      );
      expect(
        hex(appendEvents(encodeClientPackage({ header, timeOrder: 7, events: [] }), events)),
      ).toBe(hex(encodeClientPackage({ header, timeOrder: 7, events: [test, other] })));
      const update = { time_order: 9, score: 3 };
      expect(hex(appendEvents(encodeServerPackage({ header, update, events: [] }), events))).toBe(
        hex(encodeServerPackage({ header, update, events: [test, other] })),
      );
    });

    it('leave a package without events as it is', () => {
      const pkg = encodePackage({ header, events: [] });
      expect(appendEvents(pkg, [])).toBe(pkg);
    });

    it('throw a PackageOverflowError when they do not fit', () => {
      const big = encodeEvent({ type: 'BIG', args: [new Uint8Array(1000)], kwargs: {} });
      const pkg = encodePackage({ header, events: [] });
      expect(appendEvents(pkg, [big]).length).toBeLessThanOrEqual(MAX_PACKAGE_SIZE);
      expect(() => appendEvents(pkg, [big, big, big])).toThrow(PackageOverflowError);
    });
  });

  describe('packages over 2048 bytes, for rxgase', () => {
    const huge: GameEvent = { type: 'MAP', args: [new Uint8Array(100_000)], kwargs: {} };

    it('carry an event of 100 KB with a long length, where the limit allows', () => {
      expect(() => encodeEvent(huge)).toThrow(PackageOverflowError);
      const event = encodeEvent(huge, 200_000);
      expect(event.length).toBeGreaterThan(100_000);
      const pkg = appendEvents(
        encodeClientPackage({ header, timeOrder: 3, events: [] }),
        [encodeEvent(test), event],
        200_000,
      );
      // u16 0xffff, then the u32 length
      expect(hex(pkg.subarray(pkg.length - event.length - 6, pkg.length - event.length))).toBe(
        `ffff${event.length.toString(16).padStart(8, '0')}`,
      );
      const decoded = decodeClientPackage(pkg, 200_000);
      expect(decoded.timeOrder).toBe(3);
      expect(decoded.events).toEqual([test, huge]);
      expect(() => decodeClientPackage(pkg)).toThrow(PackageOverflowError);
      expect(() => appendEvents(pkg.subarray(0, 14), [event], 100_000)).toThrow(
        PackageOverflowError,
      );
      expect(() => encodeEvent(huge, 50_000)).toThrow(
        expect.objectContaining({ code: 'ERR_PACKAGE_OVERFLOW' }),
      );
    });

    it('read a long length only for a value that needs one', () => {
      const pkg = encodePackage({ header, events: [] });
      const shortInLong = Uint8Array.of(...pkg, 0xff, 0xff, 0, 0, 0, 1, 0xc0);
      expect(() => decodePackage(shortInLong)).toThrow(MalformedPayloadError);
      expect(() => decodePackage(Uint8Array.of(...pkg, 0xff, 0xff, 0, 0))).toThrow(
        MalformedPayloadError,
      );
      const pastTheEnd = Uint8Array.of(...pkg, 0xff, 0xff, 0, 1, 0, 0, 0xc0);
      expect(() => decodePackage(pastTheEnd, 1 << 20)).toThrow(MalformedPayloadError);
    });

    it('leave the packages of 2048 bytes and under as they were', () => {
      const event = encodeEvent(huge, 200_000);
      encodeEvent(test); // after the buffer grew
      expect(hex(appendEvents(encodePackage({ header, events: [] }), [encodeEvent(test)]))).toBe(
        hex(encodePackage({ header, events: [test] })),
      );
      expect(event.length).toBeGreaterThan(MAX_PACKAGE_SIZE);
    });
  });

  describe('round trips', () => {
    it('a plain package with an event', () => {
      const pkg = { header, events: [test] };
      expect(decodePackage(encodePackage(pkg))).toEqual(pkg);
    });

    it('a client package with its time_order', () => {
      const pkg = { header, timeOrder: 1, events: [test] };
      expect(decodeClientPackage(encodeClientPackage(pkg))).toEqual(pkg);
    });

    it('a server package with an update', () => {
      const pkg = { header, update: { time_order: 2 }, events: [test] };
      expect(decodeServerPackage(encodeServerPackage(pkg))).toEqual(pkg);
    });

    it('packages without events', () => {
      expect(decodePackage(encodePackage({ header, events: [] }))).toEqual({ header, events: [] });
      expect(hex(encodeClientPackage({ header, timeOrder: 0, events: [] }))).toBe(
        'ffd0fab900040005aaaaaaaa0000',
      );
    });

    it('events with positional and keyword arguments of every msgpack kind', () => {
      const event: GameEvent = {
        type: 'MOVE',
        args: [0, -1, 1.5, 'ann', true, null, [1, [2]], { x: 1 }, Uint8Array.of(1, 2)],
        kwargs: { player: 'ann', position: [1.5, 2.25], big: 2n ** 60n },
      };
      const pkg = { header, events: [event, test] };
      expect(decodePackage(encodePackage(pkg))).toEqual(pkg);
    });
  });

  describe('encoding', () => {
    it('writes a server update with its keys in the order set and time_order last, as PyGaSe', () => {
      const update = { time_order: 12, game_status: 1, foo: 1 };
      const datagram = encodeServerPackage({ header, update, events: [] });
      expect(Object.keys(decodeServerPackage(datagram).update ?? {})).toEqual([
        'game_status',
        'foo',
        'time_order',
      ]);
      expect(Object.keys(update)).toEqual(['time_order', 'game_status', 'foo']);
    });

    it('refuses a game_status a PyGaSe client would fail on, and takes 0, 1 and TO_DELETE', () => {
      const send = (game_status: unknown) => () =>
        encodeServerPackage({ header, update: { time_order: 1, game_status }, events: [] });
      expect(send(7)).toThrow(UnencodableValueError);
      expect(send('1')).toThrow(/game_status must be 0 or 1/);
      for (const fine of [0, 1, Uint8Array.of(0xd2, 0x81, 0xe5, 0xba)])
        expect(send(fine)).not.toThrow();
    });

    it('throws a PackageOverflowError for an event with 2048 - 13 bytes of payload', () => {
      const big: GameEvent = {
        type: 'TEST',
        args: [new Uint8Array(MAX_PACKAGE_SIZE - 13)],
        kwargs: {},
      };
      expect(() => encodePackage({ header, events: [big] })).toThrow(PackageOverflowError);
      expect(() => encodePackage({ header, events: [big] })).toThrow(
        expect.objectContaining({ code: 'ERR_PACKAGE_OVERFLOW' }),
      );
    });

    it('fills a package to exactly 2048 bytes and not one more', () => {
      // header 12 + length 2 + map header 1 + "type" 5 + "TEST" 5 + "handler_args" 13
      // + array header 1 + bin 16 header 3 + n + "handler_kwargs" 15 + empty map 1
      const fixed = 12 + 2 + 1 + 5 + 5 + 13 + 1 + 3 + 15 + 1;
      const event = (n: number): GameEvent => ({
        type: 'TEST',
        args: [new Uint8Array(n)],
        kwargs: {},
      });
      expect(encodePackage({ header, events: [event(MAX_PACKAGE_SIZE - fixed)] })).toHaveLength(
        MAX_PACKAGE_SIZE,
      );
      expect(() =>
        encodePackage({ header, events: [event(MAX_PACKAGE_SIZE - fixed + 1)] }),
      ).toThrow(PackageOverflowError);
    });

    it('overflows when many small events add up past 2048 bytes', () => {
      const events = Array.from({ length: 200 }, () => test);
      expect(() => encodePackage({ header, events })).toThrow(PackageOverflowError);
    });

    it('overflows on a server update that does not fit', () => {
      const update = { time_order: 1, blob: new Uint8Array(MAX_PACKAGE_SIZE) };
      expect(() => encodeServerPackage({ header, update, events: [] })).toThrow(
        PackageOverflowError,
      );
    });

    it('throws a SequenceRangeError for a time_order out of range', () => {
      expect(() => encodeClientPackage({ header, timeOrder: 65536, events: [] })).toThrow(
        SequenceRangeError,
      );
      expect(() => encodeServerPackage({ header, update: { time_order: -1 }, events: [] })).toThrow(
        SequenceRangeError,
      );
    });

    it.each([
      ['a type that is not a string', { type: 3, args: [], kwargs: {} }],
      ['args that are not an array', { type: 'X', args: 'a', kwargs: {} }],
      ['kwargs that are not an object', { type: 'X', args: [], kwargs: [] }],
      ['kwargs that are null', { type: 'X', args: [], kwargs: null }],
      ['a function argument', { type: 'X', args: [() => 1], kwargs: {} }],
    ])('throws an UnencodableValueError for an event with %s', (_what, event) => {
      expect(() => encodePackage({ header, events: [event as unknown as GameEvent] })).toThrow(
        UnencodableValueError,
      );
    });

    it('encodes one event alone, as it will appear in a package', () => {
      const datagram = encodePackage({ header, events: [test] });
      const event = encodeEvent(test);
      expect(hex(datagram.subarray(14))).toBe(hex(event));
      expect((datagram[12]! << 8) | datagram[13]!).toBe(event.length);
    });

    it('returns a datagram of its own: the next encoding does not change it', () => {
      const first = encodePackage({ header, events: [test] });
      const copy = hex(first);
      encodePackage({ header: { sequence: 9, ack: 9, ackBitfield: 9 }, events: [] });
      expect(hex(first)).toBe(copy);
    });
  });

  describe('decoding', () => {
    const valid = hex(encodePackage({ header, events: [test] }));

    it('throws a ProtocolIdMismatchError for another protocol', () => {
      const datagram = bytes(valid);
      expect(() => decodePackage(datagram.subarray(1))).toThrow(ProtocolIdMismatchError);
      expect(() => decodePackage(bytes('00'))).toThrow(ProtocolIdMismatchError);
    });

    it('throws a TruncatedDatagramError for a datagram shorter than its fixed fields', () => {
      expect(() => decodePackage(new Uint8Array(0))).toThrow(TruncatedDatagramError);
      expect(() => decodePackage(bytes('ffd0fab90001'))).toThrow(TruncatedDatagramError);
      expect(() => decodeClientPackage(bytes('ffd0fab9000100000000000000'))).toThrow(
        expect.objectContaining({ code: 'ERR_TRUNCATED_DATAGRAM' }),
      );
      expect(() => decodeServerPackage(bytes('ffd0fab9000100000000000000'))).toThrow(
        TruncatedDatagramError,
      );
    });

    it('throws a MalformedPayloadError for an event length past the end', () => {
      const datagram = bytes(valid);
      datagram[13] = datagram[13]! + 1;
      expect(() => decodePackage(datagram)).toThrow(MalformedPayloadError);
      expect(() => decodePackage(bytes(valid).subarray(0, 13))).toThrow(
        expect.objectContaining({ code: 'ERR_MALFORMED_PAYLOAD' }),
      );
    });

    it('throws a MalformedPayloadError for an update length past the end', () => {
      const datagram = bytes('ffd0fab9000100000000000000058100');
      expect(() => decodeServerPackage(datagram)).toThrow(MalformedPayloadError);
      expect(() => decodeServerPackage(datagram)).toThrow(/runs past the end of the datagram/);
    });

    const msgpack = new MsgpackEncoder();
    /** A datagram with one length-prefixed msgpack value after the fixed fields. */
    const framed = (fixed: string, payload: Uint8Array): Uint8Array =>
      Uint8Array.from([...bytes(fixed), payload.length >> 8, payload.length & 0xff, ...payload]);
    const plainHeader = 'ffd0fab9000100000000000000';

    it.each([
      ['not a map', msgpack.encode(1), /not a msgpack map/],
      ['an array', msgpack.encode([]), /not a msgpack map/],
      ['bytes', msgpack.encode(new Uint8Array(0)), /not a msgpack map/],
      ['a map without a type', msgpack.encode({}), /type is not a string/],
      [
        'a map whose type is not a string',
        msgpack.encode({ type: 1, handler_args: [], handler_kwargs: {} }),
        /type is not a string/,
      ],
      [
        'a map whose args are not an array',
        msgpack.encode({ type: 'X', handler_args: {}, handler_kwargs: {} }),
        /handler_args of a X event are not an array/,
      ],
      [
        'a map whose kwargs are not a map',
        msgpack.encode({ type: 'X', handler_args: [], handler_kwargs: [] }),
        /handler_kwargs of a X event are not a map/,
      ],
      ['msgpack that does not parse', bytes('c1'), /never used/],
      ['msgpack with bytes left over', bytes('8000'), /1 bytes follow/],
    ])('throws a MalformedPayloadError for an event that is %s', (_what, event, reason) => {
      const datagram = framed(plainHeader.slice(0, 24), event);
      expect(() => decodePackage(datagram)).toThrow(MalformedPayloadError);
      expect(() => decodePackage(datagram)).toThrow(reason);
    });

    it.each([
      ['not a map', msgpack.encode(1), /not a msgpack map/],
      ['a map without time_order', msgpack.encode({}), /no integer time_order/],
      ['a map with a string time_order', msgpack.encode({ time_order: '' }), /no integer/],
      ['a map with a float time_order', msgpack.encode({ time_order: 1.5 }), /no integer/],
      ['a map with time_order past 65535', msgpack.encode({ time_order: 65536 }), /65536/],
      ['a map with a negative time_order', msgpack.encode({ time_order: -1 }), /-1/],
      [
        'a map with game_status 2',
        msgpack.encode({ time_order: 1, game_status: 2 }),
        /game_status 2/,
      ],
    ])('throws a MalformedPayloadError for an update that is %s', (_what, update, reason) => {
      const datagram = framed(plainHeader.slice(0, 24), update);
      expect(() => decodeServerPackage(datagram)).toThrow(MalformedPayloadError);
      expect(() => decodeServerPackage(datagram)).toThrow(reason);
    });

    it('throws a PackageOverflowError for a datagram over 2048 bytes', () => {
      const datagram = new Uint8Array(MAX_PACKAGE_SIZE + 1);
      datagram.set(bytes(valid));
      expect(() => decodePackage(datagram)).toThrow(PackageOverflowError);
    });

    it('reports every decode failure as a DecodeError but overflow', () => {
      for (const bad of ['', '00', 'ffd0fab9', valid.slice(0, -2)]) {
        let caught: unknown;
        try {
          decodePackage(bytes(bad));
        } catch (error) {
          caught = error;
        }
        expect(caught instanceof DecodeError).toBe(true);
      }
    });

    it('decodes a datagram that is a view into a larger buffer', () => {
      const datagram = bytes(valid);
      const padded = new Uint8Array(datagram.length + 10);
      padded.set(datagram, 5);
      expect(decodePackage(padded.subarray(5, 5 + datagram.length))).toEqual({
        header,
        events: [test],
      });
    });
  });
});
