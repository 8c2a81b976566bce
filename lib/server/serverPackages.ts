import type { PackageCodec } from '../connection/packageCodec';
import { HEADER_SIZE, LENGTH_PREFIX_SIZE, MAX_PACKAGE_SIZE } from '../protocol/constants';
import { decodeClientPackage } from '../protocol/decode';
import { encodeServerPackage, encodeServerPackageWith, encodeUpdate } from '../protocol/encode';
import type { ClientPackage } from '../protocol/packages';
import type { GameStateUpdate } from '../state/gameState';
import type { StateSource } from './stateSource';

/**
 * Updates encoded, shared by every client: the store gives clients at the same `time_order` the
 * same update object until the state changes, so one encoding serves them all. `undefined` marks
 * an update that does not encode.
 */
const encodedUpdates = new WeakMap<GameStateUpdate, Uint8Array | undefined>();

function encoded(update: GameStateUpdate): Uint8Array | undefined {
  if (encodedUpdates.has(update)) return encodedUpdates.get(update);
  let bytes: Uint8Array | undefined;
  try {
    bytes = encodeUpdate(update);
  } catch {
    // Too big for a package, or not encodable: encodeServerPackage will throw the reason, and the
    // connection counts the package it could not send.
    bytes = undefined;
  }
  encodedUpdates.set(update, bytes);
  return bytes;
}

/**
 * The server's side of a client connection: client packages in, server packages out, each
 * carrying what the client lacks of the game state.
 *
 * @param store Where the game state and its history are.
 * @param clientTimeOrder The `time_order` the client last reported.
 *
 * @category Protocol
 */
export function serverPackages(
  store: StateSource,
  clientTimeOrder: () => number,
): PackageCodec<ClientPackage> {
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
  return {
    decode: decodeClientPackage,
    encode: (header) => {
      const update = current();
      const bytes = encoded(update);
      return bytes === undefined
        ? encodeServerPackage({ header, update, events: [] })
        : encodeServerPackageWith(header, bytes, []);
    },
    baseSize: () =>
      HEADER_SIZE + LENGTH_PREFIX_SIZE + (encoded(current())?.length ?? MAX_PACKAGE_SIZE),
  };
}
