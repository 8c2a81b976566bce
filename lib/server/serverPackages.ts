import type { Observable } from 'rxjs';
import type { PackageCodec } from '../connection/packageCodec';
import { HEADER_SIZE, LENGTH_PREFIX_SIZE, MAX_PACKAGE_SIZE } from '../protocol/constants';
import { decodeClientPackage } from '../protocol/decode';
import { encodeServerPackageWith } from '../protocol/encode';
import type { SentDictionary } from '../protocol/compactDictionary';
import { PackageOverflowError } from '../protocol/errors';
import type { ClientPackage } from '../protocol/packages';
import { BLOCK_CHANGES, BLOCK_WHOLE_STATE, MAX_DATAGRAM_SIZE } from '../protocol/rxgaseConstants';
import { isNewer } from '../protocol/sequence';
import type { GameStateUpdate } from '../state/gameState';
import type { StateSource } from './stateSource';
import type { Compact } from './sharedEncodings';
import { compactBlocks, compactFor, encodeCompact, encoded, encodedBlock } from './sharedEncodings';
import type { Unsendable } from './stateWatch';

/** A package's plan while the client's block is on its way: no update. */
const IN_FLIGHT = { kind: 'in flight' } as const;

/** A package's empty update: its update is in a block. */
const NO_UPDATE = new Uint8Array(0);

/**
 * How an rxgase client gets the updates too large for one datagram: as blocks (see
 * `Connection.sendBlock`).
 *
 * @category Protocol
 */
export interface UpdateBlocks {
  /** The largest block, in bytes: a larger update is unsendable. */
  readonly maxSize: number;
  /** Sends a block; the result completes once the client holds it. */
  readonly send: (bytes: Uint8Array) => Observable<void>;
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
  /**
   * For an rxgase client: an update too large for one datagram goes as a block, and the packages
   * carry none until the client holds it. Default none: an update must fit the package, as a
   * PyGaSe client needs.
   */
  readonly blocks?: UpdateBlocks;
  /**
   * Whether the state source still remembers the state at a `time_order`; default always. A
   * client whose state it forgot gets the whole state, which in a block replaces the client's.
   */
  readonly remembers?: (timeOrder: number) => boolean;
  /**
   * For an rxgase client: the connection's dictionary, with which updates go in rxgase's compact
   * form (see `CompactEncoder`). Default none: PyGaSe's msgpack, the same bytes for every client.
   */
  readonly compact?: SentDictionary;
}

/** What a package carries: an update, no update (it is in a block), or what went wrong. */
type Plan =
  | { readonly kind: 'inline'; readonly bytes: Uint8Array }
  | { readonly kind: 'block'; readonly update: GameStateUpdate }
  | { readonly kind: 'in flight' }
  | { readonly kind: 'unsendable'; readonly unsendable: Unsendable; readonly error: Error };

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
  { overhead = 0, sent, failed, blocks, remembers, compact }: ServerPackagesOptions = {},
): PackageCodec<ClientPackage> {
  // With blocks, an update rides in the package only if the package stays one datagram.
  const room =
    (blocks === undefined ? MAX_PACKAGE_SIZE : MAX_DATAGRAM_SIZE) -
    overhead -
    HEADER_SIZE -
    LENGTH_PREFIX_SIZE;
  // The update is worked out once for each pair of client and server states, not for each use.
  let memo: { client: number; server: number; update: GameStateUpdate } | undefined;
  // The time_order of the first full state sent while the client reported none: it may hold it.
  let fullSince: number | undefined;
  // The block on its way, and the time_order of the state the last one brought the client.
  let inFlight = false;
  let delivered: number | undefined;
  const base = (): number => {
    const reported = clientTimeOrder();
    if (delivered === undefined) return reported;
    if (isNewer(delivered, reported)) return delivered;
    // The client reported the block's state or a newer one: the report is the base from now on,
    // also once time_order wraps and the block's would look newer again.
    delivered = undefined;
    return reported;
  };
  const current = (): GameStateUpdate => {
    const client = base();
    const server = store.getGameState().time_order;
    if (memo?.client !== client || memo.server !== server) {
      const update = store.updateSince(client, client === 0 ? fullSince : undefined);
      if (client === 0) fullSince ??= update.time_order;
      memo = { client, server, update };
    }
    return memo.update;
  };
  // The compact form of the update, for the dictionary as it is: once for baseSize and encode.
  let compactMemo: { update: GameStateUpdate; version: number; result: Compact } | undefined;
  const compactOf = (update: GameStateUpdate, dictionary: SentDictionary): Compact => {
    if (compactMemo?.update !== update || compactMemo.version !== dictionary.version) {
      const result = compactFor(update, dictionary, room);
      compactMemo = { update, version: dictionary.version, result };
    }
    return compactMemo.result;
  };
  const inlineBytes = (update: GameStateUpdate): Uint8Array | Error => {
    if (compact === undefined) return encoded(update);
    const result = compactOf(update, compact);
    return result instanceof Error ? result : result.bytes;
  };
  // A view is the user's code: one that throws leaves this client without its state, reported
  // as any unsendable state is, and the server goes on.
  const plan = (): Plan => {
    // The client gets nothing else until it holds the block: no update is worked out for it.
    if (inFlight) return IN_FLIGHT;
    let update: GameStateUpdate;
    try {
      update = current();
    } catch (error) {
      const thrown = error instanceof Error ? error : new Error(String(error));
      const unsendable = { update: { time_order: clientTimeOrder() }, room, error: thrown };
      return { kind: 'unsendable', unsendable, error: thrown };
    }
    const bytes = inlineBytes(update);
    if (!(bytes instanceof Error) && bytes.length <= room) return { kind: 'inline', bytes };
    if (
      blocks !== undefined &&
      (!(bytes instanceof Error) || bytes instanceof PackageOverflowError)
    ) {
      return { kind: 'block', update };
    }
    if (bytes instanceof Error)
      return { kind: 'unsendable', unsendable: { update, room, error: bytes }, error: bytes };
    const error = new PackageOverflowError(
      `the update takes ${bytes.length} bytes, a package has room for ${room}`,
    );
    return { kind: 'unsendable', unsendable: { update, room, size: bytes.length }, error };
  };
  /** Starts the block of an update; throws what it cannot be sent for, `failed` told. */
  const sendBlock = (update: GameStateUpdate, via: UpdateBlocks): void => {
    const result =
      compact === undefined
        ? encodedBlock(update, via.maxSize - 1)
        : encodeCompact(compactBlocks, update, compact, via.maxSize - 1);
    const bytes = result instanceof Error || result instanceof Uint8Array ? result : result.bytes;
    if (bytes instanceof Error) {
      const unsendable =
        bytes instanceof PackageOverflowError
          ? { update, room: via.maxSize, error: bytes }
          : { update, room, error: bytes };
      failed?.(unsendable);
      throw bytes;
    }
    // A whole state replaces the client's (kind 1): one it forgot may hold keys since deleted.
    const from = base();
    const whole = from === 0 || remembers?.(from) === false;
    const block = new Uint8Array(bytes.length + 1);
    block[0] = whole ? BLOCK_WHOLE_STATE : BLOCK_CHANGES;
    block.set(bytes, 1);
    inFlight = true;
    via.send(block).subscribe({
      complete: () => {
        inFlight = false;
        delivered = update.time_order;
        if (compact !== undefined && !(result instanceof Uint8Array)) {
          compact.know((result as Exclude<Compact, Error>).carried);
        }
      },
      // The connection closed: nothing more goes to the client.
      error: () => undefined,
    });
  };
  return {
    decode: decodeClientPackage,
    encode: (header) => {
      const next = plan();
      if (next.kind === 'unsendable') {
        failed?.(next.unsendable);
        throw next.error;
      }
      if (next.kind === 'block') sendBlock(next.update, blocks as UpdateBlocks);
      // The definitions an update carries are known once a package that carried them is acked.
      if (compact !== undefined) {
        const carried = next.kind === 'inline' && compactMemo?.result;
        compact.carried(
          header.sequence,
          carried && !(carried instanceof Error) ? carried.carried : [],
        );
      }
      sent?.();
      return encodeServerPackageWith(header, next.kind === 'inline' ? next.bytes : NO_UPDATE, []);
    },
    // Only a dictionary hears of acks and losses: a PyGaSe client's connection makes no call.
    ...(compact !== undefined && {
      acked: (sequence: number) => compact.acked(sequence),
      lost: (sequence: number) => compact.lost(sequence),
    }),
    baseSize: () => {
      const next = plan();
      if (next.kind === 'unsendable') return MAX_PACKAGE_SIZE;
      return HEADER_SIZE + LENGTH_PREFIX_SIZE + (next.kind === 'inline' ? next.bytes.length : 0);
    },
  };
}
