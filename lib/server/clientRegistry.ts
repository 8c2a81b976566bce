import { randomBytes } from 'node:crypto';
import { Subject } from 'rxjs';
import type { Observable } from 'rxjs';
import type { Demultiplexed } from '../operators/demultiplex';
import { HOST_TOKEN_SIZE, TOKEN_SIZE, encodeAccept, encodeClose } from '../protocol/rxgasePackets';
import type { CloseReason } from '../protocol/rxgasePackets';
import type { GameState } from '../state/gameState';
import type { Address } from '../transport/datagram';
import { addressKey } from '../transport/datagram';
import { ThrottledWarning } from '../util/throttledWarning';
import type { AckVerdict } from './addressCheck';
import { AddressPlaces } from './addressPlaces';
import { connectClient } from './clientConnection';
import type {
  ClientConnected,
  ClientContext,
  ClientDisconnected,
  ClientEntry,
  Handshake,
} from './clientConnection';
import type { Admitted } from './gate';
import type { Summed } from './serverStats';
import { addUp, emptySums } from './serverStats';
import { Views } from './views';

/** The client allowed to shut the server down. */
export interface Host {
  readonly key: string;
  readonly address: Address;
  /** An rxgase host's token; a PyGaSe host has none. */
  readonly token?: Uint8Array;
}

/** What the registry needs of its server. */
export interface RegistryContext<S extends GameState<object>> extends ClientContext<S> {
  readonly maxClients: number;
  /** How many clients one IP address may have connected at once. */
  readonly maxClientsPerAddress: number;
  /** Whether a client is made the host; false when no client may shut the server down. */
  readonly hosts: boolean;
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
    if (context.views !== undefined) Views.check(context.store);
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

  /**
   * Opens a connection to the client whose datagrams `group` holds, as the gate's datagram that
   * opened it says: a PyGaSe client's first package, or an rxgase client's handshake passed. A
   * group the gate did not open is left unsubscribed, which drops it.
   */
  open(group: Demultiplexed<string, Admitted, Uint8Array>): void {
    const { key, opening } = group;
    const { address, opens } = opening;
    if (opens === undefined) return;
    const { context } = this;
    const handshake = opens.nonce === undefined ? undefined : this.handshake(opens.nonce);
    const entry = connectClient(
      context,
      { address, key, incoming$: group, timeOrder: opens.timeOrder, handshake },
      {
        register: (entry) => {
          this.entries.set(key, entry);
          if (entry.verified) this.places.take(entry, address.host);
          context.counts.connects++;
          if (!entry.verified) this.unverified.add(entry);
        },
        judge: (entry, verdict) => this.check(key, entry, verdict),
        closed: (entry) => this.closed(key, entry),
      },
    );
    if (entry.verified) this.welcome(key, entry);
    else context.logger.debug(`Client ${key} (pygase) sent a package; waiting for its first ack.`);
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
  private closed(key: string, entry: ClientEntry): void {
    const { connection, handshake } = entry;
    const reason = connection.closeReason ?? 'disconnected';
    // 'disconnected' is the client's own word: it needs no answer.
    if (handshake !== undefined && reason !== 'disconnected') {
      this.context.send(encodeClose(handshake.session, reason), connection.remote);
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
