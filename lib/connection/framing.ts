import { MAX_PACKAGE_SIZE } from '../protocol/constants';
import { lengthPrefixSize } from '../protocol/encode';
import { MalformedPayloadError, SessionMismatchError } from '../protocol/errors';
import type { Package } from '../protocol/packages';
import {
  DATA_OVERHEAD,
  DEFAULT_MAX_MESSAGE_SIZE,
  EVENT_ID_SIZE,
  MAX_DATAGRAM_SIZE,
  MAX_EVENT_IDS,
  DataPrefix,
  decodeRxgasePacket,
  encodeFragments,
  sameBytes,
} from '../protocol/rxgasePackets';
import { SeenEventIds } from './eventIds';

/**
 * A package received, with the ids of its events when the peer speaks rxgase.
 *
 * @category Protocol
 */
export type Framed<P extends Package> = P & { readonly eventIds?: readonly number[] };

/**
 * How a connection's packages go on the wire: bare, as PyGaSe sends them, or in rxgase data
 * packets, which add the session token and an id for each event.
 */
export interface Framing {
  /** Bytes a package takes besides its own. */
  readonly overhead: number;
  /** Bytes each event takes besides its own length prefix and map. */
  readonly perEvent: number;
  /** How many events fit in one package at most. */
  readonly maxEvents: number;
  /** The largest package sent or taken, framing included: 2048 bytes for PyGaSe. */
  readonly maxSize: number;
  /** Reads a datagram: the package, and its event ids if the framing has them. */
  decode<P extends Package>(
    datagram: Uint8Array,
    decode: (pkg: Uint8Array, maxSize?: number) => P,
  ): Framed<P>;
  /** Writes a package carrying events with these ids. */
  encode(pkg: Uint8Array, eventIds: readonly number[]): Uint8Array;
  /** Sends what `encode` wrote: whole, or in fragments when it is larger than a datagram. */
  send(packet: Uint8Array, send: (datagram: Uint8Array) => void): void;
  /** Whether an event with this id is new: to be handled. Without ids, every event is new. */
  firstTime(eventId: number | undefined): boolean;
  /** The ids of the events received, to carry over to a connection that resumes this one. */
  readonly seen?: SeenEventIds;
}

/** PyGaSe's: packages bare, events handled at least once. */
export const pygaseFraming: Framing = {
  overhead: 0,
  perEvent: 0,
  maxEvents: Infinity,
  maxSize: MAX_PACKAGE_SIZE,
  decode: (datagram, decode) => decode(datagram),
  encode: (pkg) => pkg,
  send: (packet, send) => send(packet),
  firstTime: () => true,
};

/**
 * rxgase's: packages in data packets of the session `session`, events handled exactly once.
 * A packet with another session's token is refused with a {@link SessionMismatchError}. Data
 * packets up to `maxSize` bytes are sent and taken; over {@link MAX_DATAGRAM_SIZE} they go in
 * fragments, each packet under a message id of its own. `seen` holds the ids of the events
 * received: a connection's own, or those of the connection it resumes.
 */
export function rxgaseFraming(
  session: Uint8Array,
  maxSize: number = DEFAULT_MAX_MESSAGE_SIZE,
  seen = new SeenEventIds(),
): Framing {
  return new RxgaseFraming(session, maxSize, seen);
}

/**
 * {@link rxgaseFraming}'s. What a package sent reaches for is in the object itself, the session's
 * token among it as {@link DataPrefix} holds it: a server writes each of its clients 40 packets
 * a second, and a closure's scope and the token's array would be objects apart, each cold in the
 * cache by the next.
 */
class RxgaseFraming extends DataPrefix implements Framing {
  readonly overhead = DATA_OVERHEAD;
  readonly perEvent = EVENT_ID_SIZE;
  readonly maxEvents = MAX_EVENT_IDS;
  private messageId = 0;

  constructor(
    private readonly session: Uint8Array,
    readonly maxSize: number,
    readonly seen: SeenEventIds,
  ) {
    super(session);
  }

  decode<P extends Package>(
    datagram: Uint8Array,
    decode: (pkg: Uint8Array, maxSize?: number) => P,
  ): Framed<P> {
    const { maxSize } = this;
    const packet = decodeRxgasePacket(datagram, maxSize);
    if ('session' in packet && !sameBytes(packet.session, this.session)) {
      throw new SessionMismatchError(`the ${packet.kind} packet carries another session token`);
    }
    if (packet.kind !== 'data') {
      throw new MalformedPayloadError(`a ${packet.kind} packet came where data was expected`);
    }
    const pkg = decode(packet.package, maxSize);
    if (pkg.events.length !== packet.eventIds.length) {
      throw new MalformedPayloadError(
        `the data packet has ${packet.eventIds.length} event ids for ${pkg.events.length} events`,
      );
    }
    // The package is the decoder's own, new: given its ids in place, as a spread into a new
    // object costs microseconds a datagram.
    (pkg as { eventIds?: readonly number[] }).eventIds = packet.eventIds;
    return pkg;
  }

  encode(pkg: Uint8Array, eventIds: readonly number[]): Uint8Array {
    return this.data(eventIds, pkg, this.maxSize);
  }

  send(packet: Uint8Array, send: (datagram: Uint8Array) => void): void {
    if (packet.length <= MAX_DATAGRAM_SIZE) return send(packet);
    this.messageId = (this.messageId + 1) & 0xffff;
    for (const fragment of encodeFragments(this.session, this.messageId, packet)) send(fragment);
  }

  firstTime(eventId: number | undefined): boolean {
    return eventId === undefined || this.seen.firstTime(eventId);
  }
}

/** The bytes an event of `encodedSize` bytes takes in a package under `framing`. */
export function eventSize(encodedSize: number, framing: Framing): number {
  return encodedSize + lengthPrefixSize(encodedSize) + framing.perEvent;
}
