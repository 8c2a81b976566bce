import { readU16, readU32 } from './bigEndian';
import { MAX_PACKAGE_SIZE } from './constants';
import {
  MalformedPayloadError,
  PackageOverflowError,
  ProtocolIdMismatchError,
  TruncatedDatagramError,
} from './errors';

/**
 * The rxgase protocol: what rxgase peers add to PyGaSe's, under a protocol id of their own so a
 * PyGaSe peer never sees it. Every packet starts with that id and a kind:
 *
 * ```text
 *  offset  size  field
 *       0     4  protocol id  ff d0 fa ba
 *       4     1  kind
 * ```
 *
 * then, by kind (a token is 8 random bytes; a cookie is 20 bytes, see the server's cookies):
 *
 * ```text
 *  CONNECT_REQUEST     u16 version, token nonce, zeros up to 64 bytes in all
 *  CHALLENGE           token nonce, cookie
 *  CHALLENGE_RESPONSE  u16 version, token nonce, cookie, zeros up to 64 bytes in all
 *  ACCEPT              token nonce, token session, u8 flags (1 = host), 16-byte host token
 *                      (zeros if not host)
 *  CLOSE               token (session, or nonce before there is one), u8 reason
 *  SHUTDOWN_REQUEST    token session, 16-byte host token
 *  DATA                token session, u8 n, n x u32 event id, a whole PyGaSe package
 * ```
 *
 * A client pads its connect request and its challenge response so each answer it gets back is
 * smaller: the server never sends an address more bytes than it received from it. Every answer
 * a client acts on echoes what only someone who saw its request knows: the challenge, the accept
 * and a refusal its nonce, a close its session token. The cookie proves, in
 * the challenge response, that the client receives at its address; only then does the server
 * allocate a connection. The session token in every later packet keeps anyone who does not see
 * the traffic from speaking for either side; event ids let a receiver handle each event once.
 */

/**
 * The four bytes every rxgase packet starts with; PyGaSe's end in `b9`.
 *
 * @category Protocol
 */
export const RXGASE_PROTOCOL_ID: Readonly<Uint8Array> = Uint8Array.of(0xff, 0xd0, 0xfa, 0xba);

/**
 * The version of the rxgase protocol these peers speak. Version 2 binds the accept to the
 * client's nonce and pads the challenge response to 64 bytes; peers of other versions are
 * refused with `version mismatch`.
 *
 * @category Protocol
 */
export const RXGASE_PROTOCOL_VERSION = 2;

/** What an rxgase packet is. */
export const PacketKind = {
  Data: 0,
  ConnectRequest: 1,
  Challenge: 2,
  ChallengeResponse: 3,
  Accept: 4,
  Close: 5,
  ShutdownRequest: 6,
} as const;
export type PacketKind = (typeof PacketKind)[keyof typeof PacketKind];

/**
 * Why a connection closed, as both sides tell each other.
 *
 * @category Protocol
 */
export type CloseReason =
  | 'server full'
  | 'version mismatch'
  | 'shutdown'
  | 'timeout'
  | 'kicked'
  | 'disconnected'
  | 'error'
  | 'unknown session'
  | 'flooding';

/** The close reasons, each going as its place in this list plus one: the order is the wire's. */
export const CLOSE_REASONS: readonly CloseReason[] = [
  'server full',
  'version mismatch',
  'shutdown',
  'timeout',
  'kicked',
  'disconnected',
  'error',
  // Since version 2: the server does not know the session of a packet (it ended, or the server
  // restarted).
  'unknown session',
  // Since version 2: a session far over its budget for long.
  'flooding',
];

export const TOKEN_SIZE = 8;
export const COOKIE_SIZE = 20;
export const HOST_TOKEN_SIZE = 16;
/** A connect request's size, padding included: more than any answer to it. */
export const CONNECT_REQUEST_SIZE = 64;
/** A challenge response's size, padding included: more than the accept that answers it. */
export const CHALLENGE_RESPONSE_SIZE = 64;
/** Protocol id and kind. */
export const PACKET_PREFIX_SIZE = 5;
/** The bytes a data packet adds to the PyGaSe package it carries, besides 4 per event id. */
export const DATA_OVERHEAD = PACKET_PREFIX_SIZE + TOKEN_SIZE + 1;
/** The bytes each event id takes in a data packet. */
export const EVENT_ID_SIZE = 4;
/** The most event ids one data packet carries. */
export const MAX_EVENT_IDS = 0xff;

const CHALLENGE_SIZE = PACKET_PREFIX_SIZE + TOKEN_SIZE + COOKIE_SIZE;
const ACCEPT_SIZE = PACKET_PREFIX_SIZE + 2 * TOKEN_SIZE + 1 + HOST_TOKEN_SIZE;
const CLOSE_SIZE = PACKET_PREFIX_SIZE + TOKEN_SIZE + 1;
const SHUTDOWN_REQUEST_SIZE = PACKET_PREFIX_SIZE + TOKEN_SIZE + HOST_TOKEN_SIZE;

/** An rxgase packet, decoded. */
export type RxgasePacket =
  | { readonly kind: 'connect request'; readonly version: number; readonly nonce: Uint8Array }
  | { readonly kind: 'challenge'; readonly nonce: Uint8Array; readonly cookie: Uint8Array }
  | {
      readonly kind: 'challenge response';
      readonly version: number;
      readonly nonce: Uint8Array;
      readonly cookie: Uint8Array;
    }
  | {
      readonly kind: 'accept';
      /** The nonce of the connect request it answers. */
      readonly nonce: Uint8Array;
      readonly session: Uint8Array;
      /** The host token when this client is the host, else undefined. */
      readonly hostToken: Uint8Array | undefined;
    }
  | { readonly kind: 'close'; readonly token: Uint8Array; readonly reason: CloseReason }
  | {
      readonly kind: 'shutdown request';
      readonly session: Uint8Array;
      readonly hostToken: Uint8Array;
    }
  | DataPacket;

/** A data packet: the PyGaSe package it carries, with the ids of that package's events. */
export interface DataPacket {
  readonly kind: 'data';
  readonly session: Uint8Array;
  readonly eventIds: readonly number[];
  /** The PyGaSe package, a view into the datagram. */
  readonly package: Uint8Array;
}

/** Whether `datagram` starts with the rxgase protocol id. */
export function isRxgasePacket(datagram: Uint8Array): boolean {
  return (
    datagram.length >= RXGASE_PROTOCOL_ID.length &&
    datagram[0] === RXGASE_PROTOCOL_ID[0] &&
    datagram[1] === RXGASE_PROTOCOL_ID[1] &&
    datagram[2] === RXGASE_PROTOCOL_ID[2] &&
    datagram[3] === RXGASE_PROTOCOL_ID[3]
  );
}

/** Writes a connect request, padded to {@link CONNECT_REQUEST_SIZE} bytes. */
export function encodeConnectRequest(
  nonce: Uint8Array,
  version = RXGASE_PROTOCOL_VERSION,
): Uint8Array {
  const out = start(PacketKind.ConnectRequest, CONNECT_REQUEST_SIZE);
  out.view.setUint16(PACKET_PREFIX_SIZE, version);
  out.bytes.set(checked(nonce, TOKEN_SIZE, 'nonce'), PACKET_PREFIX_SIZE + 2);
  return out.bytes;
}

/** Writes the server's challenge to a connect request. */
export function encodeChallenge(nonce: Uint8Array, cookie: Uint8Array): Uint8Array {
  const out = start(PacketKind.Challenge, CHALLENGE_SIZE);
  out.bytes.set(checked(nonce, TOKEN_SIZE, 'nonce'), PACKET_PREFIX_SIZE);
  out.bytes.set(checked(cookie, COOKIE_SIZE, 'cookie'), PACKET_PREFIX_SIZE + TOKEN_SIZE);
  return out.bytes;
}

/** Writes a client's answer to a challenge: the cookie echoed, padded to 64 bytes. */
export function encodeChallengeResponse(
  nonce: Uint8Array,
  cookie: Uint8Array,
  version = RXGASE_PROTOCOL_VERSION,
): Uint8Array {
  const out = start(PacketKind.ChallengeResponse, CHALLENGE_RESPONSE_SIZE);
  out.view.setUint16(PACKET_PREFIX_SIZE, version);
  out.bytes.set(checked(nonce, TOKEN_SIZE, 'nonce'), PACKET_PREFIX_SIZE + 2);
  out.bytes.set(checked(cookie, COOKIE_SIZE, 'cookie'), PACKET_PREFIX_SIZE + 2 + TOKEN_SIZE);
  return out.bytes;
}

/**
 * Writes the server's welcome: the nonce of the request it answers, the session token, and the
 * host token if the client is host.
 */
export function encodeAccept(
  nonce: Uint8Array,
  session: Uint8Array,
  hostToken?: Uint8Array,
): Uint8Array {
  const out = start(PacketKind.Accept, ACCEPT_SIZE);
  const p = PACKET_PREFIX_SIZE;
  out.bytes.set(checked(nonce, TOKEN_SIZE, 'nonce'), p);
  out.bytes.set(checked(session, TOKEN_SIZE, 'session'), p + TOKEN_SIZE);
  if (hostToken !== undefined) {
    out.bytes[p + 2 * TOKEN_SIZE] = 1;
    out.bytes.set(checked(hostToken, HOST_TOKEN_SIZE, 'host token'), p + 2 * TOKEN_SIZE + 1);
  }
  return out.bytes;
}

/** Writes a close packet: the session token (or the nonce before there is one) and the reason. */
export function encodeClose(token: Uint8Array, reason: CloseReason): Uint8Array {
  const out = start(PacketKind.Close, CLOSE_SIZE);
  out.bytes.set(checked(token, TOKEN_SIZE, 'token'), PACKET_PREFIX_SIZE);
  out.bytes[PACKET_PREFIX_SIZE + TOKEN_SIZE] = CLOSE_REASONS.indexOf(reason) + 1;
  return out.bytes;
}

/** Writes the host's request to shut the server down. */
export function encodeShutdownRequest(session: Uint8Array, hostToken: Uint8Array): Uint8Array {
  const out = start(PacketKind.ShutdownRequest, SHUTDOWN_REQUEST_SIZE);
  out.bytes.set(checked(session, TOKEN_SIZE, 'session'), PACKET_PREFIX_SIZE);
  out.bytes.set(checked(hostToken, HOST_TOKEN_SIZE, 'host token'), PACKET_PREFIX_SIZE + TOKEN_SIZE);
  return out.bytes;
}

/**
 * Wraps a PyGaSe package in a data packet.
 *
 * @throws {@link PackageOverflowError} If the packet would be over 2048 bytes or carry over 255
 *   ids.
 */
export function encodeData(
  session: Uint8Array,
  eventIds: readonly number[],
  pkg: Uint8Array,
): Uint8Array {
  const size = DATA_OVERHEAD + EVENT_ID_SIZE * eventIds.length + pkg.length;
  if (size > MAX_PACKAGE_SIZE || eventIds.length > MAX_EVENT_IDS) {
    throw new PackageOverflowError(
      `a data packet has at most ${MAX_PACKAGE_SIZE} bytes and ${MAX_EVENT_IDS} event ids, this one ${size} and ${eventIds.length}`,
    );
  }
  const out = start(PacketKind.Data, size);
  out.bytes.set(checked(session, TOKEN_SIZE, 'session'), PACKET_PREFIX_SIZE);
  let offset = PACKET_PREFIX_SIZE + TOKEN_SIZE;
  out.bytes[offset++] = eventIds.length;
  for (const id of eventIds) {
    out.view.setUint32(offset, id);
    offset += EVENT_ID_SIZE;
  }
  out.bytes.set(pkg, offset);
  return out.bytes;
}

/**
 * Decodes an rxgase packet. Whatever bytes it is given, it returns a packet or throws one of the
 * errors below, so a receive loop can drop and count what it cannot read.
 *
 * @throws {@link ProtocolIdMismatchError} If the datagram does not start with the rxgase protocol
 *   id.
 * @throws {@link TruncatedDatagramError} If it is shorter than its kind of packet.
 * @throws {@link MalformedPayloadError} If its kind, reason or size is not one rxgase sends.
 * @throws {@link PackageOverflowError} If it is longer than 2048 bytes.
 */
export function decodeRxgasePacket(datagram: Uint8Array): RxgasePacket {
  if (!isRxgasePacket(datagram)) {
    throw new ProtocolIdMismatchError('the datagram does not start with the rxgase protocol id');
  }
  if (datagram.length > MAX_PACKAGE_SIZE) {
    throw new PackageOverflowError(
      `a packet has at most ${MAX_PACKAGE_SIZE} bytes, the datagram ${datagram.length}`,
    );
  }
  need(datagram, PACKET_PREFIX_SIZE, 'kind');
  const at = (offset: number, size: number): Uint8Array => datagram.subarray(offset, offset + size);
  const p = PACKET_PREFIX_SIZE;
  switch (datagram[4]) {
    case PacketKind.Data: {
      need(datagram, DATA_OVERHEAD, 'data');
      const count = datagram[p + TOKEN_SIZE] as number;
      const idsEnd = DATA_OVERHEAD + EVENT_ID_SIZE * count;
      need(datagram, idsEnd, 'event ids');
      const eventIds: number[] = [];
      for (let offset = DATA_OVERHEAD; offset < idsEnd; offset += EVENT_ID_SIZE) {
        eventIds.push(readU32(datagram, offset));
      }
      return {
        kind: 'data',
        session: at(p, TOKEN_SIZE),
        eventIds,
        package: datagram.subarray(idsEnd),
      };
    }
    case PacketKind.ConnectRequest:
      exactly(datagram, CONNECT_REQUEST_SIZE, 'connect request');
      return {
        kind: 'connect request',
        version: readU16(datagram, p),
        nonce: at(p + 2, TOKEN_SIZE),
      };
    case PacketKind.Challenge:
      exactly(datagram, CHALLENGE_SIZE, 'challenge');
      return {
        kind: 'challenge',
        nonce: at(p, TOKEN_SIZE),
        cookie: at(p + TOKEN_SIZE, COOKIE_SIZE),
      };
    case PacketKind.ChallengeResponse:
      exactly(datagram, CHALLENGE_RESPONSE_SIZE, 'challenge response');
      return {
        kind: 'challenge response',
        version: readU16(datagram, p),
        nonce: at(p + 2, TOKEN_SIZE),
        cookie: at(p + 2 + TOKEN_SIZE, COOKIE_SIZE),
      };
    case PacketKind.Accept: {
      exactly(datagram, ACCEPT_SIZE, 'accept');
      const flags = datagram[p + 2 * TOKEN_SIZE] as number;
      if (flags > 1) throw new MalformedPayloadError(`an accept has flags 0 or 1, got ${flags}`);
      return {
        kind: 'accept',
        nonce: at(p, TOKEN_SIZE),
        session: at(p + TOKEN_SIZE, TOKEN_SIZE),
        hostToken: flags === 1 ? at(p + 2 * TOKEN_SIZE + 1, HOST_TOKEN_SIZE) : undefined,
      };
    }
    case PacketKind.Close: {
      exactly(datagram, CLOSE_SIZE, 'close');
      const reason = CLOSE_REASONS[(datagram[p + TOKEN_SIZE] as number) - 1];
      if (reason === undefined) {
        throw new MalformedPayloadError(`unknown close reason ${datagram[p + TOKEN_SIZE]}`);
      }
      return { kind: 'close', token: at(p, TOKEN_SIZE), reason };
    }
    case PacketKind.ShutdownRequest:
      exactly(datagram, SHUTDOWN_REQUEST_SIZE, 'shutdown request');
      return {
        kind: 'shutdown request',
        session: at(p, TOKEN_SIZE),
        hostToken: at(p + TOKEN_SIZE, HOST_TOKEN_SIZE),
      };
    default:
      throw new MalformedPayloadError(`unknown rxgase packet kind ${datagram[4]}`);
  }
}

/** Whether two tokens (or cookies) hold the same bytes, in time independent of where they differ. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= (a[i] as number) ^ (b[i] as number);
  return difference === 0;
}

function start(kind: PacketKind, size: number): { bytes: Uint8Array; view: DataView } {
  const bytes = new Uint8Array(size);
  bytes.set(RXGASE_PROTOCOL_ID);
  bytes[4] = kind;
  return { bytes, view: new DataView(bytes.buffer) };
}

function checked(bytes: Uint8Array, size: number, what: string): Uint8Array {
  if (bytes.length !== size) {
    throw new MalformedPayloadError(`a ${what} has ${size} bytes, got ${bytes.length}`);
  }
  return bytes;
}

function need(datagram: Uint8Array, size: number, what: string): void {
  if (datagram.length < size) {
    throw new TruncatedDatagramError(
      `the ${what} needs ${size} bytes, the datagram has ${datagram.length}`,
    );
  }
}

function exactly(datagram: Uint8Array, size: number, what: string): void {
  need(datagram, size, what);
  if (datagram.length !== size) {
    throw new MalformedPayloadError(`a ${what} has ${size} bytes, the datagram ${datagram.length}`);
  }
}
