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
import { MalformedPayloadError, PackageOverflowError, TruncatedDatagramError } from './errors';
import type { Header } from './header';
import { readU16, readU32 } from './bigEndian';
import { headerOf } from './header';
import type { CompactDecoder } from './compactDecoder';
import { MsgpackDecoder } from './msgpackDecoder';
import type { ClientPackage, GameEvent, Package, ServerPackage, UpdatePayload } from './packages';
import { isWireGameStatus } from './packages';

const msgpack = new MsgpackDecoder();

/**
 * Decodes a plain package.
 *
 * Whatever bytes it is given, a decoder returns a package or throws one of the errors below,
 * never anything else, so a receive loop can drop and count what it cannot read.
 *
 * ## Example
 * ```ts
 * const { header, events } = decodePackage(datagram);
 * ```
 *
 * @throws {@link ProtocolIdMismatchError} If the datagram is not a PyGaSe package.
 * @throws {@link TruncatedDatagramError} If it is shorter than a header.
 * @throws {@link MalformedPayloadError} If an event does not decode.
 * @throws {@link PackageOverflowError} If it is longer than `maxSize` bytes: 2048, PyGaSe's limit,
 *   unless an rxgase connection's `maxMessageSize` says more.
 *
 * @category Protocol
 */
export function decodePackage(datagram: Uint8Array, maxSize = MAX_PACKAGE_SIZE): Package {
  const header = open(datagram, maxSize);
  return { header, events: readEvents(datagram, HEADER_SIZE) };
}

/**
 * Decodes a client package: header, `time_order`, events.
 *
 * @throws {@link ProtocolIdMismatchError} If the datagram is not a PyGaSe package.
 * @throws {@link TruncatedDatagramError} If it ends before `time_order`.
 * @throws {@link MalformedPayloadError} If an event does not decode.
 * @throws {@link PackageOverflowError} If it is longer than `maxSize` bytes (default 2048).
 *
 * @category Protocol
 */
export function decodeClientPackage(
  datagram: Uint8Array,
  maxSize = MAX_PACKAGE_SIZE,
): ClientPackage {
  const header = open(datagram, maxSize);
  requireBytes(datagram, HEADER_SIZE + LENGTH_PREFIX_SIZE, 'time_order');
  const timeOrder = readU16(datagram, HEADER_SIZE);
  return {
    header,
    timeOrder,
    events: readEvents(datagram, HEADER_SIZE + LENGTH_PREFIX_SIZE),
  };
}

/**
 * Decodes a server package: header, game-state update, events.
 *
 * @throws {@link ProtocolIdMismatchError} If the datagram is not a PyGaSe package.
 * @throws {@link TruncatedDatagramError} If it ends before the update's length.
 * @throws {@link MalformedPayloadError} If the update or an event does not decode, or the update is
 *   not a map with a `time_order` in 0..65535 and, if any, a `game_status` of 0 or 1.
 * @throws {@link PackageOverflowError} If it is longer than `maxSize` bytes (default 2048).
 *
 * @category Protocol
 */
export function decodeServerPackage(
  datagram: Uint8Array,
  maxSize = MAX_PACKAGE_SIZE,
): ServerPackage {
  return serverPackage(datagram, maxSize, readMsgpackUpdate);
}

/**
 * Decodes a server package from an rxgase server, whose update is in rxgase's compact form, read
 * by `updates`, which holds the connection's dictionary.
 *
 * @throws As {@link decodeServerPackage}.
 *
 * @internal
 */
export function decodeCompactServerPackage(
  datagram: Uint8Array,
  updates: CompactDecoder,
  maxSize = MAX_PACKAGE_SIZE,
): ServerPackage {
  return serverPackage(datagram, maxSize, (bytes, start, end) =>
    updates.decodeUpdate(bytes, start, end),
  );
}

/** Reads an update in PyGaSe's msgpack from `bytes[start..end)`. */
function readMsgpackUpdate(bytes: Uint8Array, start: number, end: number): UpdatePayload {
  return toUpdate(msgpack.decode(bytes, start, end));
}

/** A server package: header, the update `readUpdate` reads, events. */
function serverPackage(
  datagram: Uint8Array,
  maxSize: number,
  readUpdate: (bytes: Uint8Array, start: number, end: number) => UpdatePayload,
): ServerPackage {
  const header = open(datagram, maxSize);
  requireBytes(datagram, HEADER_SIZE + LENGTH_PREFIX_SIZE, 'the game-state update length');
  if (readU16(datagram, HEADER_SIZE) === 0) {
    // An rxgase server's package without an update: the update the client lacks is in a block.
    return { header, events: readEvents(datagram, HEADER_SIZE + LENGTH_PREFIX_SIZE) };
  }
  const [start, end] = lengthPrefixed(datagram, HEADER_SIZE, 'the game-state update');
  return { header, update: readUpdate(datagram, start, end), events: readEvents(datagram, end) };
}

/**
 * Decodes a game-state update alone, as {@link encodeUpdate} or `encodeLargeUpdate` wrote it:
 * what a block from an rxgase server holds.
 *
 * @throws {@link DecodeError} If the bytes are not one msgpack map with a `time_order`.
 */
export function decodeUpdate(bytes: Uint8Array): UpdatePayload {
  return toUpdate(msgpack.decode(bytes, 0, bytes.length));
}

function open(datagram: Uint8Array, maxSize: number): Header {
  if (datagram.length > maxSize) {
    throw new PackageOverflowError(
      `a package has at most ${maxSize} bytes, the datagram ${datagram.length}`,
    );
  }
  return headerOf(datagram);
}

function requireBytes(datagram: Uint8Array, byteLength: number, field: string): void {
  if (datagram.length < byteLength) {
    throw new TruncatedDatagramError(`the datagram ends before ${field}`);
  }
}

function readEvents(datagram: Uint8Array, offset: number): GameEvent[] {
  const events: GameEvent[] = [];
  let position = offset;
  while (position < datagram.length) {
    const [value, end] = readLengthPrefixed(datagram, position, 'an event');
    events.push(toEvent(value));
    position = end;
  }
  return events;
}

/**
 * Reads a u16 length (or {@link LONG_LENGTH} and a u32 length of 65,535 or more) and the msgpack
 * value of that many bytes after it.
 */
function readLengthPrefixed(
  datagram: Uint8Array,
  offset: number,
  what: string,
): [value: unknown, end: number] {
  const [start, end] = lengthPrefixed(datagram, offset, what);
  return [msgpack.decode(datagram, start, end), end];
}

/** Reads a length as {@link readLengthPrefixed} does: where the value starts and ends. */
function lengthPrefixed(
  datagram: Uint8Array,
  offset: number,
  what: string,
): [start: number, end: number] {
  if (offset + LENGTH_PREFIX_SIZE > datagram.length) {
    throw new MalformedPayloadError(`the datagram ends inside the length of ${what}`);
  }
  let start = offset + LENGTH_PREFIX_SIZE;
  let length = readU16(datagram, offset);
  if (length === LONG_LENGTH) {
    if (start + LONG_LENGTH_SIZE > datagram.length) {
      throw new MalformedPayloadError(`the datagram ends inside the long length of ${what}`);
    }
    length = readU32(datagram, start);
    start += LONG_LENGTH_SIZE;
    // Only one way to write each length: a PyGaSe package, never that long, never holds one.
    if (length < LONG_LENGTH) {
      throw new MalformedPayloadError(`the long length of ${what} is ${length}, under 65,535`);
    }
  }
  const end = start + length;
  if (end > datagram.length) {
    throw new MalformedPayloadError(`the length of ${what} runs past the end of the datagram`);
  }
  return [start, end];
}

function toEvent(value: unknown): GameEvent {
  if (!isMap(value)) throw new MalformedPayloadError('an event is not a msgpack map');
  const type = value[EVENT_TYPE_KEY];
  const args = value[EVENT_ARGS_KEY];
  const kwargs = value[EVENT_KWARGS_KEY];
  if (typeof type !== 'string') throw new MalformedPayloadError('an event type is not a string');
  if (!Array.isArray(args)) {
    throw new MalformedPayloadError(`the handler_args of a ${type} event are not an array`);
  }
  if (!isMap(kwargs)) {
    throw new MalformedPayloadError(`the handler_kwargs of a ${type} event are not a map`);
  }
  return { type, args, kwargs };
}

function toUpdate(value: unknown): UpdatePayload {
  if (!isMap(value)) throw new MalformedPayloadError('a game-state update is not a msgpack map');
  const timeOrder = value[TIME_ORDER_KEY];
  if (typeof timeOrder !== 'number' || !Number.isInteger(timeOrder)) {
    throw new MalformedPayloadError('a game-state update has no integer time_order');
  }
  if (timeOrder < 0 || timeOrder > 0xffff) {
    throw new MalformedPayloadError(`a game-state update has time_order ${timeOrder}`);
  }
  checkGameStatus(value);
  return value as UpdatePayload;
}

/**
 * Refuses a decoded update whose `game_status` is not one the wire carries.
 *
 * @throws {@link MalformedPayloadError} If it is not.
 * @internal
 */
export function checkGameStatus(update: Record<string, unknown>): void {
  const gameStatus = update[GAME_STATUS_KEY];
  if (!isWireGameStatus(gameStatus)) {
    throw new MalformedPayloadError(`a game-state update has game_status ${String(gameStatus)}`);
  }
}

function isMap(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Uint8Array)
  );
}
