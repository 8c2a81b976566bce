import { isPlainObject } from '../util/plainObject';
import {
  EVENT_ARGS_KEY,
  EVENT_KWARGS_KEY,
  EVENT_TYPE_KEY,
  GAME_STATUS_KEY,
  HEADER_SIZE,
  LENGTH_PREFIX_SIZE,
  LONG_LENGTH,
  LONG_LENGTH_SIZE,
  MAX_PACKAGE_SIZE,
  TIME_ORDER_KEY,
} from './constants';
import { PackageOverflowError, UnencodableValueError } from './errors';
import type { Header } from './header';
import { writeHeader } from './header';
import { MsgpackEncoder } from './msgpackEncoder';
import { slabBytes } from './slab';
import type { ClientPackage, GameEvent, Package, ServerPackage, UpdatePayload } from './packages';
import { isWireGameStatus } from './packages';
import { toSqn } from './sequence';
import { atPath } from '../util/valuePath';
import { copyWireTypes } from './wireTypes';

// Past ~300 lines with its documentation: one role, PyGaSe's packages and events written into the
// one shared buffer below, whose helpers every encoder here uses.
/**
 * The encoders share one buffer and one msgpack encoder: a package is written in place and copied
 * out once, at the end. Encoding is synchronous, so nothing else can use them meanwhile. The
 * buffer grows when an rxgase peer sends a package larger than PyGaSe's 2048 bytes.
 */
let buffer = new Uint8Array(MAX_PACKAGE_SIZE);
let view = new DataView(buffer.buffer);
const msgpack = new MsgpackEncoder();

/** Makes the shared buffer at least `size` bytes, keeping what it holds. */
function reserve(size: number): void {
  if (buffer.length >= size) return;
  const grown = new Uint8Array(Math.max(size, 2 * buffer.length));
  grown.set(buffer);
  buffer = grown;
  view = new DataView(buffer.buffer);
}

/**
 * The bytes of the length prefix of a value of `size` bytes: 2, or 6 with the u32 after
 * {@link LONG_LENGTH} that only packages over 64 KiB need.
 */
export function lengthPrefixSize(size: number): number {
  return size < LONG_LENGTH ? LENGTH_PREFIX_SIZE : LENGTH_PREFIX_SIZE + LONG_LENGTH_SIZE;
}

/**
 * Encodes a plain package: header and events.
 *
 * ## Example
 * ```ts
 * const datagram = encodePackage({
 *   header: { sequence: 1, ack: 0, ackBitfield: 0 },
 *   events: [{ type: 'JOIN', args: ['ann'], kwargs: {} }],
 * });
 * ```
 *
 * @return The datagram, at most 2048 bytes.
 * @throws {@link PackageOverflowError} If the package would be larger than 2048 bytes.
 * @throws {@link UnencodableValueError} If an event argument cannot be sent (see `MsgpackEncoder`
 *   in lib/protocol/msgpackEncoder.ts).
 * @throws {@link SequenceRangeError} If a header field is not a sequence number.
 *
 * @category Protocol
 */
export function encodePackage(pkg: Package): Uint8Array {
  writeHeader(view, pkg.header);
  return finish(writeEvents(pkg.events, HEADER_SIZE));
}

/**
 * Encodes a client package: header, the client's `time_order`, events.
 *
 * @throws {@link SequenceRangeError} If `timeOrder` or a header field is not a sequence number.
 * @throws {@link PackageOverflowError} If the package would be larger than 2048 bytes.
 * @throws {@link UnencodableValueError} If an event argument cannot be sent.
 *
 * @category Protocol
 */
export function encodeClientPackage(pkg: ClientPackage): Uint8Array {
  writeHeader(view, pkg.header);
  view.setUint16(HEADER_SIZE, toSqn(pkg.timeOrder, 'timeOrder'));
  return finish(writeEvents(pkg.events, HEADER_SIZE + LENGTH_PREFIX_SIZE));
}

/**
 * Encodes a server package: header, the length-prefixed msgpack game-state update, events.
 *
 * @throws {@link SequenceRangeError} If the update's `time_order` or a header field is out of
 *   range.
 * @throws {@link PackageOverflowError} If the package would be larger than 2048 bytes.
 * @throws {@link UnencodableValueError} If the update or an event argument cannot be sent, or the
 *   update's `game_status` is not 0 or 1.
 *
 * @category Protocol
 */
export function encodeServerPackage(pkg: ServerPackage): Uint8Array {
  writeHeader(view, pkg.header);
  if (pkg.update === undefined) {
    // An rxgase server's package without an update: a length of 0.
    view.setUint16(HEADER_SIZE, 0);
    return finish(writeEvents(pkg.events, HEADER_SIZE + LENGTH_PREFIX_SIZE));
  }
  checkUpdate(pkg.update);
  const end = writeLengthPrefixed(inPygaseOrder(pkg.update), HEADER_SIZE);
  return finish(writeEvents(pkg.events, end));
}

/**
 * Encodes a game-state update alone, as it goes in a server package: so that a server encodes an
 * update once and sends the bytes to every client that needs that update
 * ({@link encodeServerPackageWith}).
 *
 * @return The update's msgpack, at most 2048 - 14 bytes.
 * @throws {@link SequenceRangeError} If the update's `time_order` is out of range.
 * @throws {@link PackageOverflowError} If the update would not fit in a package.
 * @throws {@link UnencodableValueError} If the update cannot be sent, or its `game_status` is not 0
 *   or 1.
 */
export function encodeUpdate(update: UpdatePayload): Uint8Array {
  checkUpdate(update);
  const end = writeLengthPrefixed(inPygaseOrder(update), HEADER_SIZE);
  return buffer.slice(HEADER_SIZE + LENGTH_PREFIX_SIZE, end);
}

/**
 * The encoder of the updates too large for a package, which a server sends an rxgase client as
 * a block: its own, as its buffer grows to the largest block.
 */
const large = new MsgpackEncoder();

/**
 * Encodes a game-state update of any size up to `maxSize` bytes, as {@link encodeUpdate} does
 * one that fits a package: what a server sends an rxgase client as a block.
 *
 * @throws {@link SequenceRangeError} If the update's `time_order` is out of range.
 * @throws {@link PackageOverflowError} If the update is larger than `maxSize` bytes.
 * @throws {@link UnencodableValueError} As {@link encodeUpdate}.
 */
export function encodeLargeUpdate(update: UpdatePayload, maxSize: number): Uint8Array {
  checkUpdate(update);
  return large.encode(inPygaseOrder(update), maxSize);
}

/**
 * Encodes a server package around an update already encoded by {@link encodeUpdate}: the same
 * bytes as {@link encodeServerPackage} gives for that update.
 *
 * @throws {@link SequenceRangeError} If a header field is out of range.
 * @throws {@link PackageOverflowError} If the package would be larger than 2048 bytes.
 * @throws {@link UnencodableValueError} If an event argument cannot be sent.
 */
export function encodeServerPackageWith(
  header: Header,
  update: Uint8Array,
  events: readonly GameEvent[],
): Uint8Array {
  writeHeader(view, header);
  const start = HEADER_SIZE + LENGTH_PREFIX_SIZE;
  // An empty update, length 0, is an rxgase server's package without one: it goes in a block.
  if (start + update.length > MAX_PACKAGE_SIZE) throw overflow();
  view.setUint16(HEADER_SIZE, update.length);
  buffer.set(update, start);
  return finish(writeEvents(events, start + update.length));
}

/**
 * Appends events already encoded by {@link encodeEvent} to a package encoded without events, as
 * each length-prefixed map would be written: so that an event is encoded once, when it is
 * dispatched, however many packages carry it.
 *
 * ## Example
 * ```ts
 * const join: GameEvent = { type: 'JOIN', args: ['ann'], kwargs: {} };
 * const header = { sequence: 1, ack: 0, ackBitfield: 0 };
 * const datagram = appendEvents(encodePackage({ header, events: [] }), [encodeEvent(join)]);
 * // the same bytes as encodePackage({ header, events: [join] })
 * ```
 *
 * @param pkg A package encoded with no events.
 * @param events The events' msgpack maps, as {@link encodeEvent} gives them.
 * @param maxSize The largest package allowed: 2048 (the default) for PyGaSe; an rxgase data
 *   packet may carry more, in fragments, and events of 64 KiB or more with a long length.
 * @return The package with the events, or `pkg` itself when there are none.
 * @throws {@link PackageOverflowError} If the package would be larger than `maxSize` bytes.
 *
 * @internal
 */
export function appendEvents(
  pkg: Uint8Array,
  events: readonly Uint8Array[],
  maxSize = MAX_PACKAGE_SIZE,
): Uint8Array {
  if (events.length === 0) return pkg;
  let size = pkg.length;
  for (const event of events) size += lengthPrefixSize(event.length) + event.length;
  if (size > maxSize) throw overflow(maxSize);
  reserve(size);
  buffer.set(pkg, 0);
  let end = pkg.length;
  for (const event of events) {
    if (event.length < LONG_LENGTH) {
      view.setUint16(end, event.length);
    } else {
      view.setUint16(end, LONG_LENGTH);
      view.setUint32(end + LENGTH_PREFIX_SIZE, event.length);
    }
    end += lengthPrefixSize(event.length);
    buffer.set(event, end);
    end += event.length;
  }
  return finish(end);
}

/**
 * Refuses an update to send whose `time_order` or `game_status` the wire cannot carry.
 *
 * @throws {@link SequenceRangeError} If the `time_order` is out of range.
 * @throws {@link UnencodableValueError} If the `game_status` is not 0 or 1.
 * @internal
 */
export function checkUpdate(update: UpdatePayload): void {
  toSqn(update[TIME_ORDER_KEY], 'update time_order');
  const gameStatus = update[GAME_STATUS_KEY];
  if (!isWireGameStatus(gameStatus)) {
    // A PyGaSe client's receive loop dies on GameStatus(n) for any other n; it ignores the marker.
    throw new UnencodableValueError(`game_status must be 0 or 1, got ${String(gameStatus)}`);
  }
}

/**
 * Encodes one event as the msgpack map PyGaSe sends, without a package around it: to know its
 * size before choosing a package for it.
 *
 * @param maxSize The largest package the event is for: 2048 (the default) for PyGaSe, an rxgase
 *   connection's `maxMessageSize` for rxgase.
 * @throws {@link PackageOverflowError} If the event alone would not fit in a package.
 * @throws {@link UnencodableValueError} If an argument cannot be sent, or the event's fields have
 *   the wrong types.
 *
 * @category Protocol
 */
export function encodeEvent(event: GameEvent, maxSize = MAX_PACKAGE_SIZE): Uint8Array {
  const start = HEADER_SIZE + LENGTH_PREFIX_SIZE;
  const map = eventMap(event);
  for (;;) {
    try {
      return buffer.slice(start, msgpack.encodeInto(map, buffer, start, maxSize));
    } catch (error) {
      // The buffer grows only for an event that needs it, up to the limit.
      if (!(error instanceof PackageOverflowError) || buffer.length >= maxSize) {
        throw inEvent(event.type, error, maxSize);
      }
      reserve(Math.min(maxSize, 4 * buffer.length));
    }
  }
}

/**
 * The error an event's encoding threw, told in the terms of `dispatchEvent`: which event, and
 * where in its `args` or `kwargs` the value refused sits.
 */
function inEvent(type: string, error: unknown, maxSize: number): unknown {
  if (error instanceof PackageOverflowError) {
    return new PackageOverflowError(
      `the ${type} event alone would exceed the ${maxSize} bytes of a package`,
      { cause: error },
    );
  }
  if (!(error instanceof UnencodableValueError) || error.path === undefined) return error;
  let path = error.path;
  if (path.startsWith(EVENT_ARGS_KEY)) path = `args${path.slice(EVENT_ARGS_KEY.length)}`;
  if (path.startsWith(EVENT_KWARGS_KEY)) path = `kwargs${path.slice(EVENT_KWARGS_KEY.length)}`;
  const problem = error.message.slice(0, error.message.length - atPath(error.path).length);
  return new UnencodableValueError(`the ${type} event cannot be sent: ${problem}${atPath(path)}`, {
    path,
    cause: error,
  });
}

function writeEvents(events: readonly GameEvent[], offset: number): number {
  let end = offset;
  for (const event of events) end = writeLengthPrefixed(eventMap(event), end);
  return end;
}

function writeLengthPrefixed(value: unknown, offset: number): number {
  const start = offset + LENGTH_PREFIX_SIZE;
  if (start > MAX_PACKAGE_SIZE) throw overflow();
  const end = msgpack.encodeInto(value, buffer, start, MAX_PACKAGE_SIZE);
  view.setUint16(offset, end - start);
  return end;
}

/**
 * PyGaSe writes an update's keys in the order they were set and `time_order` last. The update is
 * copied only when `time_order` is elsewhere.
 */
function inPygaseOrder(update: UpdatePayload): UpdatePayload {
  const keys = Object.keys(update);
  if (keys[keys.length - 1] === TIME_ORDER_KEY) return update;
  const { [TIME_ORDER_KEY]: timeOrder, ...own } = update;
  const ordered: Record<string, unknown> = own;
  ordered[TIME_ORDER_KEY] = timeOrder;
  copyWireTypes(update, ordered);
  return ordered as UpdatePayload;
}

function eventMap(event: GameEvent): Record<string, unknown> {
  const { type, args, kwargs } = event;
  if (typeof type !== 'string') {
    throw new UnencodableValueError(`an event type must be a string, got ${typeof type}`);
  }
  if (!Array.isArray(args)) {
    throw new UnencodableValueError(`the args of a ${type} event must be an array`);
  }
  // Not bytes, a Map or a class instance either: the receiver reads kwargs as a map, and drops the
  // whole package that carries anything else.
  if (!isPlainObject(kwargs)) {
    throw new UnencodableValueError(`the kwargs of a ${type} event must be a plain object`);
  }
  return { [EVENT_TYPE_KEY]: type, [EVENT_ARGS_KEY]: args, [EVENT_KWARGS_KEY]: kwargs };
}

/** The package written in `buffer`, copied out into bytes of its own (a view of a slab). */
function finish(end: number): Uint8Array {
  // A package larger than PyGaSe's gets an array of its own: it would take most of a slab.
  if (end > MAX_PACKAGE_SIZE) return buffer.slice(0, end);
  const bytes = slabBytes(end);
  for (let i = 0; i < end; i++) bytes[i] = buffer[i] as number;
  return bytes;
}

function overflow(maxSize = MAX_PACKAGE_SIZE): PackageOverflowError {
  return new PackageOverflowError(`the package would exceed ${maxSize} bytes`);
}
