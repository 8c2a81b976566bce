import type { PackageCodec } from '../connection/packageCodec';
import { HEADER_SIZE, LENGTH_PREFIX_SIZE, MAX_PACKAGE_SIZE } from '../protocol/constants';
import { decodeClientPackage } from '../protocol/decode';
import { encodeServerPackageWith, encodeUpdate } from '../protocol/encode';
import { PackageOverflowError } from '../protocol/errors';
import type { ClientPackage } from '../protocol/packages';
import type { GameStateUpdate } from '../state/gameState';
import type { StateSource } from './stateSource';
import type { Unsendable } from './stateWatch';

/**
 * Updates encoded, shared by every client: the store gives clients at the same `time_order` the
 * same update object until the state changes, so one encoding serves them all. An error marks an
 * update that does not encode: too big for a package, or not encodable.
 */
const encodedUpdates = new WeakMap<GameStateUpdate, Uint8Array | Error>();

function encoded(update: GameStateUpdate): Uint8Array | Error {
  let bytes = encodedUpdates.get(update);
  if (bytes !== undefined) return bytes;
  try {
    bytes = encodeUpdate(update);
  } catch (error) {
    bytes = error instanceof Error ? error : new Error(String(error));
  }
  encodedUpdates.set(update, bytes);
  return bytes;
}

/**
 * What a server's codec tells of the updates it could not put in a package (see
 * {@link serverPackages}).
 *
 * @category Protocol
 */
export interface ServerPackagesOptions {
  /** Bytes the connection's framing adds to each package: 0 for PyGaSe, 14 for rxgase data. */
  readonly overhead?: number;
  /** Each package that carried the update the client needs. */
  readonly sent?: () => void;
  /** Each package that could not: the update, the room it had and why. */
  readonly failed?: (unsendable: Unsendable) => void;
}

/**
 * The server's side of a client connection: client packages in, server packages out, each
 * carrying what the client lacks of the game state. A package whose update does not fit (or does
 * not encode) is not written: `encode` throws, and `failed` is told.
 *
 * @param store Where the game state and its history are.
 * @param clientTimeOrder The `time_order` the client last reported.
 *
 * @category Protocol
 */
export function serverPackages(
  store: StateSource,
  clientTimeOrder: () => number,
  { overhead = 0, sent, failed }: ServerPackagesOptions = {},
): PackageCodec<ClientPackage> {
  const room = MAX_PACKAGE_SIZE - overhead - HEADER_SIZE - LENGTH_PREFIX_SIZE;
  // The update is worked out once for each pair of client and server states, not for each use.
  let memo: { client: number; server: number; update: GameStateUpdate } | undefined;
  // The time_order of the first full state sent while the client reported none: it may hold it.
  let fullSince: number | undefined;
  const current = (): GameStateUpdate => {
    const client = clientTimeOrder();
    const server = store.getGameState().time_order;
    if (memo?.client !== client || memo.server !== server) {
      const update = store.updateSince(client, client === 0 ? fullSince : undefined);
      if (client === 0) fullSince ??= update.time_order;
      memo = { client, server, update };
    }
    return memo.update;
  };
  // A view is the user's code: one that throws leaves this client without its state, reported
  // as any unsendable state is, and the server goes on.
  const attempt = (): GameStateUpdate | Error => {
    try {
      return current();
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  };
  return {
    decode: decodeClientPackage,
    encode: (header) => {
      const update = attempt();
      if (update instanceof Error) {
        failed?.({ update: { time_order: clientTimeOrder() }, room, error: update });
        throw update;
      }
      const bytes = encoded(update);
      if (bytes instanceof Error) {
        failed?.({ update, room, error: bytes });
        throw bytes;
      }
      if (bytes.length > room) {
        failed?.({ update, room, size: bytes.length });
        throw new PackageOverflowError(
          `the update takes ${bytes.length} bytes, a package has room for ${room}`,
        );
      }
      sent?.();
      return encodeServerPackageWith(header, bytes, []);
    },
    baseSize: () => {
      const update = attempt();
      const bytes = update instanceof Error ? update : encoded(update);
      return (
        HEADER_SIZE +
        LENGTH_PREFIX_SIZE +
        (bytes instanceof Error ? MAX_PACKAGE_SIZE : bytes.length)
      );
    },
  };
}
