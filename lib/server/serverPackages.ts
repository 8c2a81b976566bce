import type { PackageCodec } from '../connection/packageCodec';
import { HEADER_SIZE, LENGTH_PREFIX_SIZE, MAX_PACKAGE_SIZE } from '../protocol/constants';
import { decodeClientPackage } from '../protocol/decode';
import { encodeServerPackage } from '../protocol/encode';
import { MsgpackEncoder } from '../protocol/msgpackEncoder';
import type { ClientPackage } from '../protocol/packages';
import type { GameStateUpdate } from '../state/gameState';
import type { GameStateStore } from '../backend/gameStateStore';

const msgpack = new MsgpackEncoder();

/**
 * The server's side of a client connection: client packages in, server packages out, each
 * carrying what the client lacks of the game state.
 *
 * @param store Where the game state and its history are.
 * @param clientTimeOrder The `time_order` the client last reported.
 */
export function serverPackages(
  store: Pick<GameStateStore, 'updateSince' | 'getGameState'>,
  clientTimeOrder: () => number,
): PackageCodec<ClientPackage> {
  // The update is worked out once for each pair of client and server states, not for each use.
  let memo: { client: number; server: number; update: GameStateUpdate; size: number } | undefined;
  // The time_order of the first full state sent while the client reported none: it may hold it.
  let fullSince: number | undefined;
  const current = (): { update: GameStateUpdate; size: number } => {
    const client = clientTimeOrder();
    const server = store.getGameState().time_order;
    if (memo?.client !== client || memo.server !== server) {
      const update = store.updateSince(client, client === 0 ? fullSince : undefined);
      if (client === 0) fullSince ??= update.time_order;
      let size: number;
      try {
        size = msgpack.encode(update, MAX_PACKAGE_SIZE).length;
      } catch {
        // Too big for a package (or not encodable): no room for events; encode() will throw the
        // reason, and the connection counts the package it could not send.
        size = MAX_PACKAGE_SIZE;
      }
      memo = { client, server, update, size };
    }
    return memo;
  };
  return {
    decode: decodeClientPackage,
    encode: (header, events) => encodeServerPackage({ header, update: current().update, events }),
    baseSize: () => HEADER_SIZE + LENGTH_PREFIX_SIZE + current().size,
  };
}
