import { readU16, readU32 } from './bigEndian';
import { MAX_PACKAGE_SIZE } from './constants';
import {
  MalformedPayloadError,
  PackageOverflowError,
  ProtocolIdMismatchError,
  TruncatedDatagramError,
} from './errors';
import type { CloseReason } from './rxgaseConstants';
import {
  ACCEPT_HOST,
  ACCEPT_RESUMABLE,
  ACCEPT_SIZE,
  CHALLENGE_RESPONSE_SIZE,
  CHALLENGE_SIZE,
  CLOSE_REASONS,
  CLOSE_SIZE,
  CONNECT_REQUEST_SIZE,
  COOKIE_SIZE,
  DATA_OVERHEAD,
  EVENT_ID_SIZE,
  FRAGMENT_OVERHEAD,
  FRAGMENT_PAYLOAD_SIZE,
  HOST_TOKEN_SIZE,
  MAX_DATAGRAM_SIZE,
  PACKET_PREFIX_SIZE,
  PacketKind,
  RESUME_FLAG_AT,
  RESUME_TOKEN_SIZE,
  RXGASE_PROTOCOL_ID,
  MAX_SLICES,
  SHUTDOWN_REQUEST_SIZE,
  SLICE_ACK_OVERHEAD,
  SLICE_OVERHEAD,
  SLICE_SIZE,
  TOKEN_SIZE,
  sliceCount,
} from './rxgaseConstants';

/** An rxgase packet, decoded. */
export type RxgasePacket =
  | {
      readonly kind: 'connect request';
      readonly version: number;
      readonly nonce: Uint8Array;
      /** What a server of rooms routes the client by; empty for none. */
      readonly ticket: Uint8Array;
    }
  | { readonly kind: 'challenge'; readonly nonce: Uint8Array; readonly cookie: Uint8Array }
  | {
      readonly kind: 'challenge response';
      readonly version: number;
      readonly nonce: Uint8Array;
      readonly cookie: Uint8Array;
      /** The resume token of the session the client takes up again; undefined for a new one. */
      readonly resumes: Uint8Array | undefined;
    }
  | {
      readonly kind: 'accept';
      /** The nonce of the connect request it answers. */
      readonly nonce: Uint8Array;
      readonly session: Uint8Array;
      /** The host token when this client is the host, else undefined. */
      readonly hostToken: Uint8Array | undefined;
      /** The secret to resume the session with, when the server holds it on a drop. */
      readonly resumeToken: Uint8Array | undefined;
    }
  | { readonly kind: 'close'; readonly token: Uint8Array; readonly reason: CloseReason }
  | {
      readonly kind: 'shutdown request';
      readonly session: Uint8Array;
      readonly hostToken: Uint8Array;
    }
  | DataPacket
  | FragmentPacket
  | SlicePacket
  | SliceAckPacket;

/** A slice of a block: its bytes from `index * SLICE_SIZE` on. */
export interface SlicePacket {
  readonly kind: 'slice';
  readonly session: Uint8Array;
  readonly blockId: number;
  readonly blockSize: number;
  readonly index: number;
  /** The slice's bytes, a view into the datagram. */
  readonly bytes: Uint8Array;
}

/** A receiver's ack of a block's slices: bit `i % 8` of byte `i / 8` is set for slice i received. */
export interface SliceAckPacket {
  readonly kind: 'slice ack';
  readonly session: Uint8Array;
  readonly blockId: number;
  readonly count: number;
  /** The bitmap, a view into the datagram. */
  readonly received: Uint8Array;
}

/** A data packet: the PyGaSe package it carries, with the ids of that package's events. */
export interface DataPacket {
  readonly kind: 'data';
  readonly session: Uint8Array;
  readonly eventIds: readonly number[];
  /** The PyGaSe package, a view into the datagram. */
  readonly package: Uint8Array;
}

/** A fragment of a data packet too large for one datagram. */
export interface FragmentPacket {
  readonly kind: 'fragment';
  readonly session: Uint8Array;
  readonly messageId: number;
  /** From 0 to `count - 1`. */
  readonly index: number;
  /** From 2 to 65,535. */
  readonly count: number;
  /** Its part of the data packet, a view into the datagram. */
  readonly payload: Uint8Array;
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

/**
 * Decodes an rxgase packet. Whatever bytes it is given, it returns a packet or throws one of the
 * errors below, so a receive loop can drop and count what it cannot read.
 *
 * @throws {@link ProtocolIdMismatchError} If the datagram does not start with the rxgase protocol
 *   id.
 * @throws {@link TruncatedDatagramError} If it is shorter than its kind of packet.
 * @throws {@link MalformedPayloadError} If its kind, reason or size is not one rxgase sends.
 * @throws {@link PackageOverflowError} If it is longer than `maxSize` bytes (default 2048; a
 *   data packet joined from fragments may be up to the receiver's `maxMessageSize`), or a
 *   fragment longer than {@link MAX_DATAGRAM_SIZE}.
 */
export function decodeRxgasePacket(datagram: Uint8Array, maxSize = MAX_PACKAGE_SIZE): RxgasePacket {
  if (!isRxgasePacket(datagram)) {
    throw new ProtocolIdMismatchError('the datagram does not start with the rxgase protocol id');
  }
  if (datagram.length > maxSize) {
    throw new PackageOverflowError(
      `a packet has at most ${maxSize} bytes, the datagram ${datagram.length}`,
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
    case PacketKind.Slice: {
      need(datagram, SLICE_OVERHEAD, 'slice');
      const blockSize = readU32(datagram, p + TOKEN_SIZE + 2);
      const index = readU16(datagram, p + TOKEN_SIZE + 6);
      const count = sliceCount(blockSize);
      const size = index === count - 1 ? blockSize - index * SLICE_SIZE : SLICE_SIZE;
      if (count > MAX_SLICES || index >= count) {
        throw new MalformedPayloadError(`no slice ${index} in a block of ${blockSize} bytes`);
      }
      exactly(datagram, SLICE_OVERHEAD + size, 'slice');
      return {
        kind: 'slice',
        session: at(p, TOKEN_SIZE),
        blockId: readU16(datagram, p + TOKEN_SIZE),
        blockSize,
        index,
        bytes: datagram.subarray(SLICE_OVERHEAD),
      };
    }
    case PacketKind.SliceAck: {
      need(datagram, SLICE_ACK_OVERHEAD, 'slice ack');
      const count = readU16(datagram, p + TOKEN_SIZE + 2);
      exactly(datagram, SLICE_ACK_OVERHEAD + Math.ceil(count / 8), 'slice ack');
      return {
        kind: 'slice ack',
        session: at(p, TOKEN_SIZE),
        blockId: readU16(datagram, p + TOKEN_SIZE),
        count,
        received: datagram.subarray(SLICE_ACK_OVERHEAD),
      };
    }
    case PacketKind.ConnectRequest: {
      need(datagram, CONNECT_REQUEST_SIZE, 'connect request');
      const ticketAt = p + 2 + TOKEN_SIZE + 1;
      const ticketSize = datagram[ticketAt - 1] as number;
      exactly(datagram, Math.max(CONNECT_REQUEST_SIZE, ticketAt + ticketSize), 'connect request');
      return {
        kind: 'connect request',
        version: readU16(datagram, p),
        nonce: at(p + 2, TOKEN_SIZE),
        ticket: at(ticketAt, ticketSize),
      };
    }
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
        resumes:
          datagram[RESUME_FLAG_AT] === 1 ? at(RESUME_FLAG_AT + 1, RESUME_TOKEN_SIZE) : undefined,
      };
    case PacketKind.Accept: {
      exactly(datagram, ACCEPT_SIZE, 'accept');
      const flagsAt = p + 2 * TOKEN_SIZE;
      const flags = datagram[flagsAt] as number;
      if (flags > (ACCEPT_HOST | ACCEPT_RESUMABLE)) {
        throw new MalformedPayloadError(`an accept has flags 0 to 3, got ${flags}`);
      }
      return {
        kind: 'accept',
        nonce: at(p, TOKEN_SIZE),
        session: at(p + TOKEN_SIZE, TOKEN_SIZE),
        hostToken: (flags & ACCEPT_HOST) !== 0 ? at(flagsAt + 1, HOST_TOKEN_SIZE) : undefined,
        resumeToken:
          (flags & ACCEPT_RESUMABLE) !== 0
            ? at(flagsAt + 1 + HOST_TOKEN_SIZE, RESUME_TOKEN_SIZE)
            : undefined,
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
    case PacketKind.Fragment: {
      need(datagram, FRAGMENT_OVERHEAD + 1, 'fragment');
      if (datagram.length > MAX_DATAGRAM_SIZE) {
        throw new PackageOverflowError(`a fragment has at most ${MAX_DATAGRAM_SIZE} bytes`);
      }
      const index = readU16(datagram, p + TOKEN_SIZE + 2);
      const count = readU16(datagram, p + TOKEN_SIZE + 4);
      const size = datagram.length - FRAGMENT_OVERHEAD;
      if (count < 2 || index >= count || (index < count - 1 && size !== FRAGMENT_PAYLOAD_SIZE)) {
        throw new MalformedPayloadError(
          `fragment ${index} of ${count} with ${size} bytes is not one rxgase sends`,
        );
      }
      return {
        kind: 'fragment',
        session: at(p, TOKEN_SIZE),
        messageId: readU16(datagram, p + TOKEN_SIZE),
        index,
        count,
        payload: datagram.subarray(FRAGMENT_OVERHEAD),
      };
    }
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
