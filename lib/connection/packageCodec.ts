import { HEADER_SIZE, LENGTH_PREFIX_SIZE } from '../protocol/constants';
import type { CompactDecoder } from '../protocol/compactDecoder';
import { decodeCompactServerPackage, decodePackage, decodeServerPackage } from '../protocol/decode';
import { encodeClientPackage, encodePackage } from '../protocol/encode';
import type { Header } from '../protocol/header';
import type { Package, ServerPackage } from '../protocol/packages';

/**
 * How a connection reads what it receives and writes what it sends: the kinds of package (plain;
 * server packages in and client packages out on a client; the reverse on a server) and what rides
 * in them besides the header and events.
 *
 * @category Protocol
 */
export interface PackageCodec<P extends Package> {
  /**
   * Reads a received datagram of at most `maxSize` bytes (default 2048, PyGaSe's limit); throws a
   * `DecodeError` for one that is not a package.
   */
  decode(datagram: Uint8Array, maxSize?: number): P;
  /**
   * Writes the next package to send, without events: the connection appends those, encoded once
   * when they were dispatched (`appendEvents`).
   */
  encode(header: Header): Uint8Array;
  /** How many bytes the next package takes before its events, to know how many events fit. */
  baseSize(): number;
  /**
   * The peer acked package `sequence`. A connection reads this method once, when it is made (and
   * calls it on the codec): one set later is not called.
   */
  acked?(sequence: number): void;
  /** Package `sequence` was not acked in time. */
  lost?(sequence: number): void;
}

/**
 * Plain packages: header and events, as between two peers without a game state.
 *
 * @category Protocol
 */
export const plainPackages: PackageCodec<Package> = {
  decode: decodePackage,
  encode: (header) => encodePackage({ header, events: [] }),
  baseSize: () => HEADER_SIZE,
};

/**
 * A client's side: server packages in, client packages out, which tell the server the
 * `time_order` of the client's game state.
 *
 * @param timeOrder Read for each package sent.
 * @param updates For an rxgase server, which writes its updates in rxgase's compact form: the
 *   reader that holds the connection's dictionary. Default none: PyGaSe's msgpack updates.
 *
 * @category Protocol
 */
export function clientPackages(
  timeOrder: () => number,
  updates?: CompactDecoder,
): PackageCodec<ServerPackage> {
  return {
    decode:
      updates === undefined
        ? decodeServerPackage
        : (datagram, maxSize) => decodeCompactServerPackage(datagram, updates, maxSize),
    encode: (header) => encodeClientPackage({ header, timeOrder: timeOrder(), events: [] }),
    baseSize: () => HEADER_SIZE + LENGTH_PREFIX_SIZE,
  };
}
