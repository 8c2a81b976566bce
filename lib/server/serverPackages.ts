import type { Observable } from 'rxjs';
import type { PackageCodec } from '../connection/packageCodec';
import type { Header } from '../protocol/header';
import { HEADER_SIZE, LENGTH_PREFIX_SIZE, MAX_PACKAGE_SIZE } from '../protocol/constants';
import { decodeClientPackage } from '../protocol/decode';
import { encodeServerPackageWith } from '../protocol/encode';
import type { Definition } from '../protocol/compactDictionary';
import type { SentDictionary } from '../protocol/sentDictionary';
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
/** What a package that carries no definitions carried. */
const NO_DEFINITIONS: readonly Definition[] = [];

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
  options: ServerPackagesOptions = {},
): PackageCodec<ClientPackage> {
  const { sent, failed } = options;
  const codec = new ServerPackages(
    store,
    {
      timeOrder: () => clientTimeOrder(),
      sent: () => sent?.(),
      failed: (unsendable) => failed?.(unsendable),
    },
    options,
  );
  // Functions of their own, not methods: a caller may take them apart, or spread them.
  return {
    decode: decodeClientPackage,
    encode: (header) => codec.encode(header),
    baseSize: () => codec.baseSize(),
    ...(codec.acked !== undefined && { acked: codec.acked, lost: codec.lost }),
  };
}

/**
 * The client a {@link ServerPackages} writes for, in one object: the server's own connections
 * give it one whose methods are on its prototype, so that a package reaches for that object
 * alone, not for a closure and its scope per hook.
 *
 * @internal
 */
export interface PackagesClient {
  /** The `time_order` the client last reported. */
  timeOrder(): number;
  /** As {@link ServerPackagesOptions.sent}. */
  sent(): void;
  /** As {@link ServerPackagesOptions.failed}. */
  failed(unsendable: Unsendable): void;
}

/**
 * {@link serverPackages}' codec. Its state is in its own fields, not in a closure's scope and a
 * memo object beside it: a server reaches for it with every package it sends each client, and
 * each object apart is one more the processor waits for, among thousands of connections.
 *
 * @internal
 */
export class ServerPackages implements PackageCodec<ClientPackage> {
  readonly decode = decodeClientPackage;
  /**
   * Only a dictionary hears of acks and losses: a PyGaSe client's connection makes no call. Set
   * in the constructor, or not at all: without one, the codec has no such property.
   */
  declare readonly acked?: (sequence: number) => void;
  declare readonly lost?: (sequence: number) => void;
  private readonly blocks: UpdateBlocks | undefined;
  private readonly remembers: ((timeOrder: number) => boolean) | undefined;
  private readonly compact: SentDictionary | undefined;
  /** With blocks, an update rides in the package only if the package stays one datagram. */
  private readonly room: number;
  // The update is worked out once for each pair of client and server states, not for each use.
  private memoClient = -1;
  private memoServer = -1;
  private memoUpdate: GameStateUpdate | undefined;
  /** The time_order of the first full state sent while the client reported none: it may hold it. */
  private fullSince: number | undefined;
  /** Whether a block is on its way, and the time_order of the state the last one brought. */
  private inFlight = false;
  private delivered: number | undefined;
  /**
   * The compact form of an update, for the dictionary at a version: worked out once for baseSize
   * and encode, in fields of the codec's own.
   */
  private compactUpdate: GameStateUpdate | undefined;
  private compactVersion = -1;
  private compactResult: Compact | undefined;

  constructor(
    private readonly store: StateSource,
    private readonly client: PackagesClient,
    { overhead = 0, blocks, remembers, compact }: Omit<ServerPackagesOptions, 'sent' | 'failed'>,
  ) {
    this.blocks = blocks;
    this.remembers = remembers;
    this.compact = compact;
    this.room =
      (blocks === undefined ? MAX_PACKAGE_SIZE : MAX_DATAGRAM_SIZE) -
      overhead -
      HEADER_SIZE -
      LENGTH_PREFIX_SIZE;
    if (compact !== undefined) {
      this.acked = (sequence) => compact.acked(sequence);
      this.lost = (sequence) => compact.lost(sequence);
    }
  }

  encode(header: Header): Uint8Array {
    const next = this.plan();
    if (next.kind === 'unsendable') {
      this.client.failed(next.unsendable);
      throw next.error;
    }
    if (next.kind === 'block') this.sendBlock(next.update, this.blocks as UpdateBlocks);
    // The definitions an update carries are known once a package that carried them is acked.
    const compact = this.compact;
    if (compact !== undefined) {
      const carried = next.kind === 'inline' && this.compactResult;
      compact.carried(
        header.sequence,
        carried && !(carried instanceof Error) ? carried.carried : NO_DEFINITIONS,
      );
    }
    this.client.sent();
    return encodeServerPackageWith(header, next.kind === 'inline' ? next.bytes : NO_UPDATE, []);
  }

  baseSize(): number {
    const next = this.plan();
    if (next.kind === 'unsendable') return MAX_PACKAGE_SIZE;
    return HEADER_SIZE + LENGTH_PREFIX_SIZE + (next.kind === 'inline' ? next.bytes.length : 0);
  }

  /** The state the client holds: its report, or the newer one its last block brought. */
  private base(): number {
    const reported = this.client.timeOrder();
    const delivered = this.delivered;
    if (delivered === undefined) return reported;
    if (isNewer(delivered, reported)) return delivered;
    // The client reported the block's state or a newer one: the report is the base from now on,
    // also once time_order wraps and the block's would look newer again.
    this.delivered = undefined;
    return reported;
  }

  private current(): GameStateUpdate {
    const client = this.base();
    const server = this.store.getGameState().time_order;
    if (this.memoUpdate === undefined || this.memoClient !== client || this.memoServer !== server) {
      const update = this.store.updateSince(client, client === 0 ? this.fullSince : undefined);
      if (client === 0) this.fullSince ??= update.time_order;
      this.memoClient = client;
      this.memoServer = server;
      this.memoUpdate = update;
    }
    return this.memoUpdate;
  }

  private compactOf(update: GameStateUpdate, dictionary: SentDictionary): Compact {
    const known = this.compactResult;
    const same = this.compactUpdate === update && this.compactVersion === dictionary.version;
    if (known !== undefined && same) return known;
    const fresh = compactFor(update, dictionary, this.room);
    this.compactUpdate = update;
    this.compactVersion = dictionary.version;
    this.compactResult = fresh;
    return fresh;
  }

  private inlineBytes(update: GameStateUpdate): Uint8Array | Error {
    if (this.compact === undefined) return encoded(update);
    const result = this.compactOf(update, this.compact);
    return result instanceof Error ? result : result.bytes;
  }

  // A view is the user's code: one that throws leaves this client without its state, reported
  // as any unsendable state is, and the server goes on.
  private plan(): Plan {
    // The client gets nothing else until it holds the block: no update is worked out for it.
    if (this.inFlight) return IN_FLIGHT;
    const room = this.room;
    let update: GameStateUpdate;
    try {
      update = this.current();
    } catch (error) {
      const thrown = error instanceof Error ? error : new Error(String(error));
      const unsendable = { update: { time_order: this.client.timeOrder() }, room, error: thrown };
      return { kind: 'unsendable', unsendable, error: thrown };
    }
    const bytes = this.inlineBytes(update);
    if (!(bytes instanceof Error) && bytes.length <= room) return { kind: 'inline', bytes };
    if (
      this.blocks !== undefined &&
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
  }

  /** Starts the block of an update; throws what it cannot be sent for, `failed` told. */
  private sendBlock(update: GameStateUpdate, via: UpdateBlocks): void {
    const compact = this.compact;
    const result =
      compact === undefined
        ? encodedBlock(update, via.maxSize - 1)
        : encodeCompact(compactBlocks, update, compact, via.maxSize - 1);
    const bytes = result instanceof Error || result instanceof Uint8Array ? result : result.bytes;
    if (bytes instanceof Error) {
      const unsendable =
        bytes instanceof PackageOverflowError
          ? { update, room: via.maxSize, error: bytes }
          : { update, room: this.room, error: bytes };
      this.client.failed(unsendable);
      throw bytes;
    }
    // A whole state replaces the client's (kind 1): one it forgot may hold keys since deleted.
    const from = this.base();
    const whole = from === 0 || this.remembers?.(from) === false;
    const block = new Uint8Array(bytes.length + 1);
    block[0] = whole ? BLOCK_WHOLE_STATE : BLOCK_CHANGES;
    block.set(bytes, 1);
    this.inFlight = true;
    via.send(block).subscribe({
      complete: () => {
        this.inFlight = false;
        this.delivered = update.time_order;
        if (compact !== undefined && !(result instanceof Uint8Array)) {
          compact.know((result as Exclude<Compact, Error>).carried);
        }
      },
      // The connection closed: nothing more goes to the client.
      error: () => undefined,
    });
  }
}
