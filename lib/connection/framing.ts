import { LENGTH_PREFIX_SIZE } from '../protocol/constants';
import { MalformedPayloadError, SessionMismatchError } from '../protocol/errors';
import type { Package } from '../protocol/packages';
import {
  DATA_OVERHEAD,
  EVENT_ID_SIZE,
  MAX_EVENT_IDS,
  decodeRxgasePacket,
  encodeData,
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
  /** Reads a datagram: the package, and its event ids if the framing has them. */
  decode<P extends Package>(datagram: Uint8Array, decode: (pkg: Uint8Array) => P): Framed<P>;
  /** Writes a package carrying events with these ids. */
  encode(pkg: Uint8Array, eventIds: readonly number[]): Uint8Array;
  /** Whether an event with this id is new: to be handled. Without ids, every event is new. */
  firstTime(eventId: number | undefined): boolean;
}

/** PyGaSe's: packages bare, events handled at least once. */
export const pygaseFraming: Framing = {
  overhead: 0,
  perEvent: 0,
  maxEvents: Infinity,
  decode: (datagram, decode) => decode(datagram),
  encode: (pkg) => pkg,
  firstTime: () => true,
};

/**
 * rxgase's: packages in data packets of the session `session`, events handled exactly once.
 * A packet with another session's token is refused with a {@link SessionMismatchError}.
 */
export function rxgaseFraming(session: Uint8Array): Framing {
  const seen = new SeenEventIds();
  return {
    overhead: DATA_OVERHEAD,
    perEvent: EVENT_ID_SIZE,
    maxEvents: MAX_EVENT_IDS,
    decode: (datagram, decode) => {
      const packet = decodeRxgasePacket(datagram);
      if (packet.kind !== 'data') {
        throw new MalformedPayloadError(`a ${packet.kind} packet came where data was expected`);
      }
      if (!sameBytes(packet.session, session)) {
        throw new SessionMismatchError('the data packet carries another session token');
      }
      const pkg = decode(packet.package);
      if (pkg.events.length !== packet.eventIds.length) {
        throw new MalformedPayloadError(
          `the data packet has ${packet.eventIds.length} event ids for ${pkg.events.length} events`,
        );
      }
      // The package is the decoder's own, new: given its ids in place, as a spread into a new
      // object costs microseconds a datagram.
      (pkg as { eventIds?: readonly number[] }).eventIds = packet.eventIds;
      return pkg;
    },
    encode: (pkg, eventIds) => encodeData(session, eventIds, pkg),
    firstTime: (eventId) => eventId === undefined || seen.firstTime(eventId),
  };
}

/** The bytes an event of `encodedSize` bytes takes in a package under `framing`. */
export function eventSize(encodedSize: number, framing: Framing): number {
  return encodedSize + LENGTH_PREFIX_SIZE + framing.perEvent;
}
