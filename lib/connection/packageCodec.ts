import { HEADER_SIZE, LENGTH_PREFIX_SIZE } from '../protocol/constants';
import { decodeClientPackage, decodePackage } from '../protocol/decode';
import { encodeClientPackage, encodePackage } from '../protocol/encode';
import type { Header } from '../protocol/header';
import type { ClientPackage, GameEvent, Package } from '../protocol/packages';

/**
 * How a connection reads and writes its packages: the kind of package (plain, client, server) and
 * what rides in it besides the header and events.
 */
export interface PackageCodec<P extends Package> {
  decode(datagram: Uint8Array): P;
  encode(header: Header, events: readonly GameEvent[]): Uint8Array;
  /** How many bytes the next package takes before its events, to know how many events fit. */
  baseSize(): number;
}

/** Plain packages: header and events, as between two peers without a game state. */
export const plainPackages: PackageCodec<Package> = {
  decode: decodePackage,
  encode: (header, events) => encodePackage({ header, events }),
  baseSize: () => HEADER_SIZE,
};

/**
 * A client's packages, which tell the server the `time_order` of the client's game state.
 *
 * @param timeOrder Read for each package sent.
 */
export function clientPackages(timeOrder: () => number): PackageCodec<ClientPackage> {
  return {
    decode: decodeClientPackage,
    encode: (header, events) => encodeClientPackage({ header, timeOrder: timeOrder(), events }),
    baseSize: () => HEADER_SIZE + LENGTH_PREFIX_SIZE,
  };
}
