import { randomBytes } from 'node:crypto';
import { Subject } from 'rxjs';
import type { Observable, SchedulerLike } from 'rxjs';
import type { StateSource } from './stateSource';
import { Connection, ConnectionStatus } from '../connection/connection';
import { BudgetMeter } from '../connection/sessionBudget';
import type { SessionBudget } from '../connection/sessionBudget';
import type { Logger } from '../util/logger';
import type { ClientPackage, GameEvent } from '../protocol/packages';
import { HOST_TOKEN_SIZE, TOKEN_SIZE, encodeAccept, encodeClose } from '../protocol/rxgasePackets';
import type { CloseReason } from '../protocol/rxgasePackets';
import type { GameState } from '../state/gameState';
import type { Address } from '../transport/datagram';
import { addressKey } from '../transport/datagram';
import { AddressCheck } from './addressCheck';
import { AddressPlaces } from './addressPlaces';
import type { AckVerdict } from './addressCheck';
import { serverPackages } from './serverPackages';
import type { GateCounts, Summed } from './serverStats';
import { addUp, emptySums } from './serverStats';
import { ThrottledWarning } from '../util/throttledWarning';

/**
 * A server's connection to one client.
 *
 * @category Server/Backend
 */
export type ClientConnection = Connection<ClientPackage>;

/**
 * A client that connected.
 *
 * @category Server/Backend
 */
export interface ClientConnected {
  readonly client: Address;
  readonly protocol: 'rxgase' | 'pygase';
  /** Whether it is the host, the client allowed to shut the server down. */
  readonly host: boolean;
}

/**
 * A client whose connection ended, and why.
 *
 * @category Server/Backend
 */
export interface ClientDisconnected {
  readonly client: Address;
  readonly reason: CloseReason;
}

/** A connected client, with what its handshake settled if it speaks rxgase. */
export interface ClientEntry {
  readonly connection: ClientConnection;
  /** Where the server puts the client's datagrams. */
  readonly incoming: Subject<Uint8Array>;
  readonly handshake: Handshake | undefined;
  /** Whether the client showed the address is its own: by the handshake, or by an ack. */
  verified: boolean;
  /** Whether connected$ reported it. */
  welcomed: boolean;
  /** Hands on the events a PyGaSe client sent before it was verified. */
  readonly release: () => void;
}

/** What an rxgase client's handshake settled. */
export interface Handshake {
  readonly nonce: Uint8Array;
  readonly session: Uint8Array;
  readonly hostToken: Uint8Array | undefined;
  /** The accept sent, to send again if the client did not get it. */
  readonly accept: Uint8Array;
}

/** The client allowed to shut the server down. */
export interface Host {
  readonly key: string;
  readonly address: Address;
  /** An rxgase host's token; a PyGaSe host has none. */
  readonly token?: Uint8Array;
}

/** What the registry needs of its server. */
export interface RegistryContext<S extends GameState<object>> {
  readonly store: StateSource<S>;
  readonly scheduler: SchedulerLike;
  readonly logger: Logger;
  readonly maxClients: number;
  /** How many clients one IP address may have connected at once. */
  readonly maxClientsPerAddress: number;
  readonly maxPendingEvents: number | undefined;
  /** What each client's session may send; false: no limit. */
  readonly sessionBudget: SessionBudget | false;
  /** Whether a client is made the host; false when no client may shut the server down. */
  readonly hosts: boolean;
  /** The server's own counts: connects, disconnects, withheld and refused move here. */
  readonly counts: GateCounts;
  /** Sends a datagram to a client. */
  readonly send: (data: Uint8Array, to: Address) => void;
  /** An event from a verified client. */
  readonly handle: (event: GameEvent, client: Address) => void;
}

/**
 * A server's clients, by address key: each one's connection from opening to closing, which of
 * them is the host, and the PyGaSe clients not yet verified. What comes from the network is the
 * server's to route; what becomes of a connection is the registry's.
 */
export class ClientRegistry<S extends GameState<object>> {
  /** Each client that connects (a PyGaSe client once it acked a package). */
  readonly connected$: Observable<ClientConnected>;
  /** Each client reported connected whose connection ends. */
  readonly disconnected$: Observable<ClientDisconnected>;

  private readonly entries = new Map<string, ClientEntry>();
  private readonly connected = new Subject<ClientConnected>();
  private readonly disconnected = new Subject<ClientDisconnected>();
  /** The counts of closed connections. */
  private readonly retired = emptySums();
  /** PyGaSe clients connected whose address is not verified yet, oldest first. */
  private readonly unverified = new Set<ClientEntry>();
  private currentHost: Host | undefined;
  private readonly places: AddressPlaces<ClientEntry>;
  /** Refusals are logged, but not a thousand a second. */
  private readonly refusals: ThrottledWarning;

  constructor(private readonly context: RegistryContext<S>) {
    this.connected$ = this.connected.asObservable();
    this.disconnected$ = this.disconnected.asObservable();
    this.places = new AddressPlaces(context.maxClientsPerAddress);
    this.refusals = new ThrottledWarning(context.logger, context.scheduler);
  }

  /** The client at `key`, if connected. */
  get(key: string): ClientEntry | undefined {
    return this.entries.get(key);
  }

  /** How many connections there are, verified or not. */
  get size(): number {
    return this.entries.size;
  }

  /** Every connection, by address key. */
  all(): IterableIterator<[string, ClientEntry]> {
    return this.entries.entries();
  }

  /** The host, if any. */
  get host(): Host | undefined {
    return this.currentHost;
  }

  /** The counts of every connection the server had, closed ones included. */
  sums(): Summed {
    const sums = { ...this.retired };
    for (const { connection } of this.entries.values()) addUp(sums, connection.stats);
    return sums;
  }

  /**
   * Whether a new client would be one too many; `replacing` is the one it would replace. PyGaSe
   * clients not yet verified do not count: a stranger spoofing their packages takes no one's
   * place (they have as many places again of their own).
   */
  isFull(replacing?: ClientEntry): boolean {
    const others =
      this.entries.size - this.unverified.size - (replacing?.verified === true ? 1 : 0);
    return others >= this.context.maxClients;
  }

  /**
   * Whether a new client from `address` is refused, as the server is full or its IP address holds
   * `maxClientsPerAddress` places already; `replacing` is the one it would replace. A refusal is
   * counted and logged (at most every 10 s).
   */
  turnsAway(address: Address, replacing?: ClientEntry, protocol = 'rxgase'): boolean {
    const { counts, maxClients, maxClientsPerAddress } = this.context;
    const key = addressKey(address);
    const told = protocol === 'rxgase' ? 'told `server full`' : 'PyGaSe clients are not told';
    if (this.isFull(replacing)) {
      counts.refusedFull++;
      this.refusals.warn(
        `Refused a ${protocol} client from ${key}: the server is full (maxClients ${maxClients}); ${told}.`,
      );
      return true;
    }
    if (this.places.isFull(address.host, replacing)) {
      counts.refusedFull++;
      counts.refusedPerAddress++;
      this.refusals.warn(
        `Refused a ${protocol} client from ${key}: ${address.host} has ${this.places.held(address.host)} clients connected (maxClientsPerAddress ${maxClientsPerAddress}); ${told}.`,
      );
      return true;
    }
    return false;
  }

  /**
   * Makes room for one more PyGaSe client to wait for its verification, if the server is not
   * full: when as many wait as `maxClients`, the one waiting longest goes (a real client acks
   * within a round trip or two; a stranger spoofing packages never does). A client refused is
   * counted and logged: it is not told, as PyGaSe has no word for it.
   *
   * @return Whether there is room.
   */
  makeRoomForUnverified(address: Address): boolean {
    // Its address may be forged: it takes no place of the address's yet, but one whose address
    // has all its places already is refused.
    if (this.turnsAway(address, undefined, 'PyGaSe')) return false;
    const oldest = this.unverified.values().next();
    if (this.unverified.size >= this.context.maxClients && oldest.done !== true) {
      this.dropUnverified(oldest.value, 'waited longest for its ack');
    }
    return true;
  }

  /** Opens a connection to a new client: a PyGaSe one, or an rxgase one that passed the handshake. */
  open(
    address: Address,
    key: string,
    first: { readonly timeOrder: number; readonly nonce?: Uint8Array },
  ): ClientEntry {
    const { context } = this;
    let clientTimeOrder = first.timeOrder;
    const incoming = new Subject<Uint8Array>();
    const handshake = first.nonce === undefined ? undefined : this.handshake(first.nonce);
    // Until a PyGaSe client acks a package sent to it, it gets no more bytes than it sent: its
    // address may be spoofed. A random first sequence number makes the ack hard to guess.
    const guard = handshake === undefined ? new AddressCheck() : undefined;
    const send = (data: Uint8Array): void => {
      if (!entry.verified && guard?.withholds(data, connection.stats.bytesIn) === true) {
        context.counts.withheld++;
        return;
      }
      context.send(data, address);
    };
    const connection = new Connection<ClientPackage>({
      remote: address,
      incoming$: incoming,
      send,
      codec: serverPackages(context.store, () => clientTimeOrder),
      scheduler: context.scheduler,
      logger: context.logger,
      maxPendingEvents: context.maxPendingEvents,
      ...(context.sessionBudget !== false && {
        budget: new BudgetMeter(context.sessionBudget, {
          scheduler: context.scheduler,
          session: handshake?.session,
          onFlood: ({ seconds, overBudget, eventsOverBudget }) => {
            // A PyGaSe client's packages carry no token: a flood "from" it may be spoofed in its
            // name, so its excess is dropped but it is not kicked for it.
            if (handshake === undefined) {
              context.logger.warn(
                `PyGaSe client ${key} over its sessionBudget ${seconds} s in a row (${overBudget} datagrams dropped); not kicked: without a token the flood may be another's in its name.`,
              );
              return;
            }
            context.logger.warn(
              `Client ${key} kicked for flooding: over its sessionBudget ${seconds} s in a row, ${overBudget} datagrams (${eventsOverBudget} events) dropped.`,
            );
            connection.close('flooding');
          },
        }),
      }),
      ...(handshake === undefined
        ? { firstSequence: randomSequence() }
        : { session: handshake.session }),
    });
    const entry: ClientEntry = {
      connection,
      incoming,
      handshake,
      verified: guard === undefined,
      welcomed: false,
      release: () => {
        const { events, dropped } = guard?.release() ?? { events: [], dropped: 0 };
        if (dropped > 0) {
          context.logger.warn(
            `Client ${key} sent ${dropped} events more than held before its ack.`,
          );
        }
        for (const event of events) context.handle(event, address);
      },
    };
    this.entries.set(key, entry);
    if (entry.verified) this.places.take(entry, address.host);
    context.counts.connects++;
    if (!entry.verified) this.unverified.add(entry);
    connection.packages$.subscribe(({ package: pkg, late }) => {
      if (!late) clientTimeOrder = pkg.timeOrder;
      // Before its events: those of the package that verifies it are handled at once.
      if (guard !== undefined && !entry.verified) {
        this.check(key, entry, guard.judge(pkg.header.ack));
      }
    });
    connection.events$.subscribe((event) => {
      if (entry.verified) context.handle(event, address);
      else guard?.hold(event);
    });
    // The accept goes before the first package, which the client takes only after it.
    if (handshake !== undefined) context.send(handshake.accept, address);
    connection.open();
    // Subscribed once open: before that the status is Disconnected, which means nothing yet.
    connection.status$.subscribe((status) => {
      if (status === ConnectionStatus.Disconnected) this.closed(key, entry, send);
    });
    if (entry.verified) this.welcome(key, entry);
    else context.logger.debug(`Client ${key} (pygase) sent a package; waiting for its first ack.`);
    return entry;
  }

  /** Closes every connection for `reason`; the registry is empty afterwards. */
  closeAll(reason: CloseReason): void {
    for (const { connection } of [...this.entries.values()]) connection.close(reason);
    this.entries.clear();
    this.currentHost = undefined;
  }

  /** The tokens of a new rxgase client; a host token if it is to be the host. */
  private handshake(nonce: Uint8Array): Handshake {
    const session = new Uint8Array(randomBytes(TOKEN_SIZE));
    const hostToken = this.takesHost() ? new Uint8Array(randomBytes(HOST_TOKEN_SIZE)) : undefined;
    const copy = new Uint8Array(nonce);
    return { nonce: copy, session, hostToken, accept: encodeAccept(copy, session, hostToken) };
  }

  /** Whether the next client welcomed is to be the host. */
  private takesHost(): boolean {
    return this.context.hosts && this.currentHost === undefined;
  }

  /** What an unverified PyGaSe client's ack shows decides whether it stays. */
  private check(key: string, entry: ClientEntry, verdict: AckVerdict): void {
    if (verdict === 'none yet') return;
    if (verdict === 'never sent')
      return this.dropUnverified(entry, 'acked what was never sent to it');
    // The ack of a package that went to the address: the address is the client's.
    entry.verified = true;
    this.unverified.delete(entry);
    if (this.turnsAway(entry.connection.remote, entry, 'PyGaSe')) {
      // Dropped, as the server refuses PyGaSe clients when full: they have no close packet.
      this.context.counts.unverifiedClosed++;
      return entry.connection.close('server full');
    }
    this.places.take(entry, entry.connection.remote.host);
    this.welcome(key, entry);
    entry.release();
  }

  /** Ends the connection of a PyGaSe client never verified, and its events with it. */
  private dropUnverified(entry: ClientEntry, why: string): void {
    this.context.counts.unverifiedClosed++;
    this.context.logger.debug(
      `Dropped the PyGaSe client at ${addressKey(entry.connection.remote)}, unverified: it ${why}.`,
    );
    entry.connection.close('error');
  }

  /** A client is there: it is reported, and made the host if there is none. */
  private welcome(key: string, entry: ClientEntry): void {
    const address = entry.connection.remote;
    const isHost = this.takesHost();
    if (isHost) this.currentHost = { key, address, token: entry.handshake?.hostToken };
    const protocol = entry.handshake === undefined ? 'pygase' : 'rxgase';
    entry.welcomed = true;
    this.context.logger.info(
      `Client ${key} connected (${protocol})${isHost ? '; it is the host' : ''}.`,
    );
    this.connected.next({ client: address, protocol, host: isHost });
  }

  /** A client's connection ended: it goes, is counted and reported; an rxgase client is told why. */
  private closed(key: string, entry: ClientEntry, send: (data: Uint8Array) => void): void {
    const { connection, handshake } = entry;
    const reason = connection.closeReason ?? 'disconnected';
    // 'disconnected' is the client's own word: it needs no answer.
    if (handshake !== undefined && reason !== 'disconnected') {
      send(encodeClose(handshake.session, reason));
    }
    addUp(this.retired, connection.stats);
    this.context.counts.disconnects++;
    this.unverified.delete(entry);
    this.places.release(entry);
    if (this.entries.get(key) === entry) this.entries.delete(key);
    if (this.currentHost?.key === key) this.currentHost = undefined;
    // Only who was reported connected is reported gone; the rest never showed it was there.
    if (!entry.welcomed) return;
    this.context.logger.info(`Client ${key} disconnected (${reason}).`);
    this.disconnected.next({ client: connection.remote, reason });
  }
}

/** A sequence number in 1..65535, at random. */
function randomSequence(): number {
  return (randomBytes(2).readUInt16BE(0) % 0xffff) + 1;
}
