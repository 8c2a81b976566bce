/**
 * The numbers of PyGaSe's wire protocol, in one place.
 *
 * Every package starts with a 12-byte header, big-endian:
 *
 * ```text
 *  offset  size  field
 *       0     4  protocol id  ff d0 fa b9
 *       4     2  sequence     u16, this package's sequence number (0 = none sent yet)
 *       6     2  ack          u16, the newest remote sequence received
 *       8     4  ack bitfield u32, bit 31 = ack - 1 received ... bit 0 = ack - 32 received
 * ```
 *
 * followed by one of three bodies:
 *
 * ```text
 *  plain package   events
 *  client package  u16 time_order, events
 *  server package  u16 n, n bytes msgpack game-state update, events
 *  events          zero or more of: u16 n, n bytes msgpack {type, handler_args, handler_kwargs}
 * ```
 *
 * A package is at most 2048 bytes.
 */

/**
 * The four bytes every PyGaSe package starts with.
 *
 * @category Protocol
 */
export const PROTOCOL_ID: Readonly<Uint8Array> = Uint8Array.of(0xff, 0xd0, 0xfa, 0xb9);

/** Byte offsets of the header fields. */
export const PROTOCOL_ID_OFFSET = 0;
export const SEQUENCE_OFFSET = 4;
export const ACK_OFFSET = 6;
export const ACK_BITFIELD_OFFSET = 8;

/**
 * Size of the header: protocol id, sequence, ack, ack bitfield.
 *
 * @category Protocol
 */
export const HEADER_SIZE = 12;

/** Size of the u16 length prefix of an event or a game-state update, and of `time_order`. */
export const LENGTH_PREFIX_SIZE = 2;

/**
 * A length prefix of this value says a u32 length follows: how an event of 65,535 bytes or more
 * goes in an rxgase data packet. A PyGaSe package, at most 2048 bytes, never holds one.
 */
export const LONG_LENGTH = 0xffff;
/** The bytes of the u32 length after {@link LONG_LENGTH}. */
export const LONG_LENGTH_SIZE = 4;

/**
 * The largest package PyGaSe sends or receives, in bytes.
 *
 * @category Protocol
 */
export const MAX_PACKAGE_SIZE = 2048;

/**
 * The largest sequence number; the one after it is 1, since 0 means "none yet".
 *
 * @category Protocol
 */
export const MAX_SEQUENCE = 0xffff;

/**
 * How many packages before `ack` the ack bitfield covers.
 *
 * @category Protocol
 */
export const ACK_BITFIELD_SIZE = 32;

/** Keys of the msgpack map that carries an event. */
export const EVENT_TYPE_KEY = 'type';
export const EVENT_ARGS_KEY = 'handler_args';
export const EVENT_KWARGS_KEY = 'handler_kwargs';

/** Keys of a game-state update with a meaning of their own. */
export const TIME_ORDER_KEY = 'time_order';
export const GAME_STATUS_KEY = 'game_status';

/** How deep msgpack values may nest before a payload is refused. */
export const MAX_NESTING_DEPTH = 64;

/**
 * The bare datagram a PyGaSe client sends to ask the server to shut down: UTF-8 `shutdown`.
 *
 * @category Protocol
 */
export const SHUTDOWN_WORD: Readonly<Uint8Array> = Uint8Array.of(
  0x73,
  0x68,
  0x75,
  0x74,
  0x64,
  0x6f,
  0x77,
  0x6e,
);
