/**
 * Stable codes of the errors rxgase throws; tests and callers match on these, not on messages.
 *
 * @category Errors
 */
export type RxgaseErrorCode =
  | 'ERR_SEQUENCE_RANGE'
  | 'ERR_PROTOCOL_ID_MISMATCH'
  | 'ERR_TRUNCATED_DATAGRAM'
  | 'ERR_MALFORMED_PAYLOAD'
  | 'ERR_PACKAGE_OVERFLOW'
  | 'ERR_UNENCODABLE_VALUE'
  | 'ERR_INVALID_STATE'
  | 'ERR_ACK_TIMEOUT'
  | 'ERR_CONNECTION_CLOSED'
  | 'ERR_INVALID_ARGUMENT'
  | 'ERR_WAIT_TIMEOUT'
  | 'ERR_SESSION_MISMATCH'
  | 'ERR_EVENT_QUEUE_FULL'
  | 'ERR_CONNECTION_REFUSED'
  | 'ERR_HOST_NOT_FOUND'
  | 'ERR_STATE_TOO_LARGE'
  | 'ERR_NO_SUCH_ROOM'
  | 'ERR_AUTH_REFUSED'
  | 'ERR_MATCHMAKING'
  | 'ERR_NATIVE_UDP_UNAVAILABLE';

/**
 * The base class of every error rxgase throws on purpose.
 *
 * @category Errors
 */
export abstract class RxgaseError extends Error {
  /** A stable code naming the kind of failure. */
  abstract readonly code: RxgaseErrorCode;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * A number given as a sequence number (or `time_order`) is not an integer in 0..65535.
 *
 * @category Errors
 */
export class SequenceRangeError extends RxgaseError {
  readonly code = 'ERR_SEQUENCE_RANGE';
}

/**
 * The base class of the errors a datagram that cannot be decoded throws.
 *
 * @category Errors
 */
export abstract class DecodeError extends RxgaseError {}

/**
 * The datagram does not start with PyGaSe's protocol id: it is not a PyGaSe package.
 *
 * @category Errors
 */
export class ProtocolIdMismatchError extends DecodeError {
  readonly code = 'ERR_PROTOCOL_ID_MISMATCH';
}

/**
 * The datagram ends before a field its kind of package always has (header, time_order, length).
 *
 * @category Errors
 */
export class TruncatedDatagramError extends DecodeError {
  readonly code = 'ERR_TRUNCATED_DATAGRAM';
}

/**
 * The datagram has all its fixed fields, but what they frame is not valid: a length past the end,
 * msgpack that does not parse, an event that is not a map or has fields of the wrong type.
 *
 * @category Errors
 */
export class MalformedPayloadError extends DecodeError {
  readonly code = 'ERR_MALFORMED_PAYLOAD';
}

/**
 * A package, or a datagram received, is larger than the 2048 bytes PyGaSe allows.
 *
 * @category Errors
 */
export class PackageOverflowError extends RxgaseError {
  readonly code = 'ERR_PACKAGE_OVERFLOW';
}

/**
 * A value cannot be sent: msgpack has no form for it (a function, a symbol, a class instance,
 * `undefined` in an array, a cycle, a BigInt outside 64 bits) or a header field is out of range.
 *
 * @category Errors
 */
export class UnencodableValueError extends RxgaseError {
  readonly code = 'ERR_UNENCODABLE_VALUE';
  /** Where the value refused sits in what was encoded (`args[0].pos`); absent when unknown. */
  readonly path: string | undefined;

  constructor(message: string, options?: ErrorOptions & { readonly path?: string }) {
    super(message, options);
    this.path = options?.path;
  }
}

/**
 * A game state or update is not what the state model can hold: an unknown `game_status`, or
 * something that is not plain data (a function, a symbol, a class instance, `undefined` in an
 * array, a cycle, a BigInt beyond 64 bits), which could not be sent to clients.
 *
 * @category Errors
 */
export class InvalidStateError extends RxgaseError {
  readonly code = 'ERR_INVALID_STATE';
  /** Where the value refused sits in the state or update (`players.ann.joined`); absent when unknown. */
  readonly path: string | undefined;

  constructor(message: string, options?: ErrorOptions & { readonly path?: string }) {
    super(message, options);
    this.path = options?.path;
  }
}

/**
 * An event was not acknowledged: the package carrying it, and every retry, timed out.
 *
 * @category Errors
 */
export class AckTimeoutError extends RxgaseError {
  readonly code = 'ERR_ACK_TIMEOUT';
}

/**
 * The connection closed before an event dispatched on it was acknowledged.
 *
 * @category Errors
 */
export class ConnectionClosedError extends RxgaseError {
  readonly code = 'ERR_CONNECTION_CLOSED';
}

/**
 * An argument to the API is not what it must be: a handler that is not a function, say.
 *
 * @category Errors
 */
export class InvalidArgumentError extends RxgaseError {
  readonly code = 'ERR_INVALID_ARGUMENT';
}

/**
 * Something awaited did not happen in time: a connection's first state, a condition on it.
 *
 * @category Errors
 */
export class WaitTimeoutError extends RxgaseError {
  readonly code = 'ERR_WAIT_TIMEOUT';
}

/**
 * An rxgase packet carries another session's token: spoofed, or left over from an old session.
 *
 * @category Errors
 */
export class SessionMismatchError extends DecodeError {
  readonly code = 'ERR_SESSION_MISMATCH';
}

/**
 * A connection already holds as many events, queued or waiting for their ack, as it may.
 *
 * @category Errors
 */
export class EventQueueFullError extends RxgaseError {
  readonly code = 'ERR_EVENT_QUEUE_FULL';
}

/**
 * The server refused the connection, or closed it; `reason` says why (`server full`, ...).
 *
 * @category Errors
 */
export class ConnectionRefusedError extends RxgaseError {
  readonly code = 'ERR_CONNECTION_REFUSED';

  constructor(
    message: string,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * A hostname given to `Client.connect` or `Server.run` did not resolve: no such name, no address
 * for it, or no DNS server answered. `hostname` is the name looked up; `cause` the system's error.
 *
 * @category Errors
 */
export class HostNotFoundError extends RxgaseError {
  readonly code = 'ERR_HOST_NOT_FOUND';

  constructor(
    message: string,
    readonly hostname: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * `bindUdp({ socket: 'native' })` asked for rxgase's native UDP socket where it cannot be had: not
 * Linux, or the module not built. The message says which; `socket: 'auto'` (the default) takes
 * `node:dgram` then instead.
 *
 * @category Errors
 */
export class NativeUdpUnavailableError extends RxgaseError {
  readonly code = 'ERR_NATIVE_UDP_UNAVAILABLE';
}

/**
 * A game state or update a client needs is larger than a package has room for: the server cannot
 * send it. `size` is the update's encoded size in bytes, `room` what a package to that client has
 * for it (2,048 bytes less the header, the length prefix and, for rxgase clients, the data
 * packet's framing).
 *
 * @category Errors
 */
export class StateTooLargeError extends RxgaseError {
  readonly code = 'ERR_STATE_TOO_LARGE';

  constructor(
    message: string,
    readonly size: number,
    readonly room: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * A room asked for by id does not exist (it was disposed, or never made), or its type was never
 * defined, or it has no seat left. `roomId` names what was asked for.
 *
 * @category Errors
 */
export class NoSuchRoomError extends RxgaseError {
  readonly code = 'ERR_NO_SUCH_ROOM';

  constructor(
    message: string,
    readonly roomId: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * A matchmaker's `auth` hook refused a player's credentials (or threw); over HTTP, a 401.
 *
 * @category Errors
 */
export class AuthRefusedError extends RxgaseError {
  readonly code = 'ERR_AUTH_REFUSED';
}

/**
 * A matchmaker answered a client's request with a failure it has no error of its own for (a bad
 * request, a server error), or did not answer JSON; `status` is the HTTP status, 0 if none came.
 *
 * @category Errors
 */
export class MatchmakingError extends RxgaseError {
  readonly code = 'ERR_MATCHMAKING';

  constructor(
    message: string,
    readonly status: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
