import { randomBytes } from 'node:crypto';
import { Subject } from 'rxjs';
import type { Observable } from 'rxjs';
import type { Demultiplexed } from '../operators/demultiplex';
import {
  HOST_TOKEN_SIZE,
  RESUME_TOKEN_SIZE,
  TOKEN_SIZE,
  encodeAccept,
  encodeClose,
} from '../protocol/rxgasePackets';
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
  ClientDropped,
  ClientEntry,
  ClientReconnected,
  Handshake,
} from './clientConnection';
import { HeldSessions, tokenKey } from './heldSessions';
import type { HeldClient } from './heldSessions';
import type { Admitted } from './gateContext';
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

// Past ~300 lines with its documentation: one role, what becomes of each client's connection,
// from opening through a drop and its return to closing; the held sessions' timers are
// HeldSessions', each connection's making clientConnection.ts'. Resuming a session touches the
// entries, the places and the host together, which is why it stays here.
/**
 * A server's clients, by address key: each one's connection from opening to closing, which of
 * them is the host, and the PyGaSe clients not yet verified. What comes from the network is the
 * server's to route; what becomes of a connection is the registry's.
 */
export class ClientRegistry<S extends GameState<object>> {
  /** Each client that connects (a PyGaSe client once it acked a package). */
  readonly connected$: Observable<ClientConnected>;
  /** Each client reported connected whose connection ends (a dropped one once it is not held). */
  readonly disconnected$: Observable<ClientDisconnected>;
  /** Each rxgase client whose link dropped, held for its reconnection. */
  readonly dropped$: Observable<ClientDropped>;
  /** Each held client that reconnected. */
  readonly reconnected$: Observable<ClientReconnected>;

  private readonly entries = new Map<string, ClientEntry>();
  private readonly connected = new Subject<ClientConnected>();
  private readonly disconnected = new Subject<ClientDisconnected>();
  private readonly dropped = new Subject<ClientDropped>();
  private readonly reconnected = new Subject<ClientReconnected>();
  private readonly holding: HeldSessions;
  /** The rxgase clients connected, by session token (hex). */
  private readonly bySession = new Map<string, ClientEntry>();
  /** The session of each resume token (hex) given out, while the session lasts. */
  private readonly byResumeToken = new Map<string, Uint8Array>();
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
    this.dropped$ = this.dropped.asObservable();
    this.reconnected$ = this.reconnected.asObservable();
    this.holding = new HeldSessions(context.scheduler, context.reconnectGraceMs, (held) =>
      this.expired(held),
    );
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

  /** How many clients whose link dropped are held for their reconnection. */
  get heldCount(): number {
    return this.holding.size;
  }

  /**
   * Whether a client may take up the session `session` again: it is held, or still connected
   * (the client saw its link drop before the server did).
   */
  resumable(session: Uint8Array): boolean {
    if (this.context.reconnectGraceMs <= 0) return false;
    return this.holding.has(session) || this.bySession.has(tokenKey(session));
  }

  /** The session a resume token was given for, if it may be taken up again. */
  sessionOf(resumeToken: Uint8Array): Uint8Array | undefined {
    const session = this.byResumeToken.get(tokenKey(resumeToken));
    return session !== undefined && this.resumable(session) ? session : undefined;
  }

  /**
   * Readies the session `session` for its client's return: a connection of it the server still
   * has is dropped now, and held, without telling its old address (the client is on its way).
   */
  release(session: Uint8Array): void {
    const live = this.bySession.get(tokenKey(session));
    if (live === undefined) return;
    live.resuming = true;
    live.connection.drop('timeout');
  }

  /**
   * Lets the client held at `key` (where it was when it dropped) go now, for `reason`.
   *
   * @return Whether one was held there.
   */
  letGo(key: string, reason: CloseReason): boolean {
    const held = this.holding.takeByKey(key);
    if (held !== undefined) this.expired(held, reason);
    return held !== undefined;
  }

  /**
   * The clients held for their reconnection, by the address key they dropped from: events sent
   * them wait in their dropped connections for the connections that resume them.
   */
  held(): [string, ClientEntry][] {
    return this.holding.all().map(({ key, entry }) => [key, entry]);
  }

  /** The client held that dropped from `key`, if any. */
  heldAt(key: string): ClientEntry | undefined {
    return this.holding.at(key)?.entry;
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
    // A client held for its reconnection keeps its place.
    const others =
      this.entries.size +
      this.holding.size -
      this.unverified.size -
      (replacing?.verified === true ? 1 : 0);
    return others >= this.context.maxClients;
  }

  /**
   * Whether a new client from `address` is refused, as the server is full or its IP address holds
   * `maxClientsPerAddress` places already; `replacing` is the one it would replace. A refusal is
   * counted and logged (at most every 10 s).
   */
  turnsAway(address: Address, replacing?: ClientEntry, protocol = 'rxgase'): boolean {
    const { counts, maxClients } = this.context;
    const key = addressKey(address);
    const told = protocol === 'rxgase' ? 'told `server full`' : 'PyGaSe clients are not told';
    if (this.isFull(replacing)) {
      counts.refusedFull++;
      this.refusals.warn(
        `Refused a ${protocol} client from ${key}: the server is full (maxClients ${maxClients}); ${told}.`,
      );
      return true;
    }
    return this.addressFull(address, replacing, `a ${protocol} client`, told);
  }

  /**
   * Whether a client that takes up the session `session` again from `address` is refused, as
   * that IP address holds `maxClientsPerAddress` places already: a held client keeps its place at
   * the address it dropped from (and among `maxClients`), and gives it up for its new one. A
   * refusal is counted and logged, as {@link turnsAway}'s.
   */
  turnsAwayResuming(address: Address, session: Uint8Array): boolean {
    const resumed = this.holding.get(session)?.entry ?? this.bySession.get(tokenKey(session));
    return this.addressFull(address, resumed, 'a returning client', 'told `server full`');
  }

  /** Whether one more client at `address` is too many for its IP address: counted and logged. */
  private addressFull(
    address: Address,
    replacing: ClientEntry | undefined,
    who: string,
    told: string,
  ): boolean {
    if (!this.places.isFull(address.host, replacing)) return false;
    const { counts, maxClientsPerAddress } = this.context;
    counts.refusedFull++;
    counts.refusedPerAddress++;
    this.refusals.warn(
      `Refused ${who} from ${addressKey(address)}: ${address.host} has ${this.places.held(address.host)} clients connected (maxClientsPerAddress ${maxClientsPerAddress}); ${told}.`,
    );
    return true;
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
    if (opens.resumes !== undefined) return this.resume(group, opens.resumes);
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
          this.remember(entry);
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
    for (const held of this.holding.takeAll()) this.expired(held, reason);
    this.entries.clear();
    this.currentHost = undefined;
  }

  /**
   * A held client reconnected: a connection of its session takes up the dropped one's events,
   * and it is the same client again, at its new address (and the host, if it was).
   */
  private resume(group: Demultiplexed<string, Admitted, Uint8Array>, session: Uint8Array): void {
    const { key, opening } = group;
    const { address, opens } = opening;
    const nonce = opens?.nonce as Uint8Array;
    const held = this.holding.take(session);
    const previous = held?.entry.handshake;
    if (held === undefined || previous === undefined) {
      // Its window passed between the challenge and the response.
      this.context.send(encodeClose(nonce, 'unknown session'), address);
      return;
    }
    // Its place moves to its new address (the gate checked there is one).
    this.places.release(held.entry);
    // A new resume token for each connection of the session: one seen on the wire is spent.
    this.forget(previous);
    const resumeToken = new Uint8Array(randomBytes(RESUME_TOKEN_SIZE));
    const handshake: Handshake = {
      nonce: new Uint8Array(nonce),
      session: previous.session,
      hostToken: previous.hostToken,
      resumeToken,
      accept: encodeAccept(nonce, previous.session, previous.hostToken, resumeToken),
    };
    const entry = connectClient(
      this.context,
      { address, key, incoming$: group, timeOrder: 0, handshake, resumes: held.entry.connection },
      {
        register: (entry) => {
          this.entries.set(key, entry);
          this.places.take(entry, address.host);
          this.remember(entry);
        },
        judge: () => undefined,
        closed: (entry) => this.closed(key, entry),
      },
    );
    entry.welcomed = true;
    if (this.currentHost?.key === held.key) {
      this.currentHost = { key, address, token: previous.hostToken };
    }
    const from = held.entry.connection.remote;
    this.context.logger.info(`Client ${addressKey(from)} reconnected from ${key}.`);
    this.reconnected.next({ client: address, previous: from });
  }

  /** A held client's window passed (or the server shuts down): it is gone. */
  private expired({ key, entry }: HeldClient, reason?: CloseReason): void {
    const { connection } = entry;
    if (entry.handshake !== undefined) this.forget(entry.handshake);
    this.places.release(entry);
    // Its events fail now.
    connection.close();
    this.context.counts.disconnects++;
    if (this.currentHost?.key === key) this.currentHost = undefined;
    const why = reason ?? connection.closeReason ?? 'timeout';
    this.context.logger.info(
      reason === undefined
        ? `Client ${key} did not reconnect; it is gone (${why}).`
        : `Client ${key}, held for its return, is gone (${why}).`,
    );
    this.disconnected.next({ client: connection.remote, reason: why });
  }

  /** An rxgase client's session and resume token, known from now on. */
  private remember(entry: ClientEntry): void {
    const { handshake } = entry;
    if (handshake === undefined) return;
    this.bySession.set(tokenKey(handshake.session), entry);
    if (handshake.resumeToken !== undefined) {
      this.byResumeToken.set(tokenKey(handshake.resumeToken), handshake.session);
    }
  }

  /** A resume token no longer good: spent, or its session over. */
  private forget(handshake: Handshake): void {
    if (handshake.resumeToken !== undefined)
      this.byResumeToken.delete(tokenKey(handshake.resumeToken));
  }

  /** The tokens of a new rxgase client; a host token if it is to be the host. */
  private handshake(nonce: Uint8Array): Handshake {
    const session = new Uint8Array(randomBytes(TOKEN_SIZE));
    const hostToken = this.takesHost() ? new Uint8Array(randomBytes(HOST_TOKEN_SIZE)) : undefined;
    // Given only where the server holds dropped clients: elsewhere a client does not come back.
    const resumeToken =
      this.context.reconnectGraceMs > 0
        ? new Uint8Array(randomBytes(RESUME_TOKEN_SIZE))
        : undefined;
    const copy = new Uint8Array(nonce);
    const accept = encodeAccept(copy, session, hostToken, resumeToken);
    return { nonce: copy, session, hostToken, resumeToken, accept };
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
    const held = connection.isDropped && handshake !== undefined && entry.welcomed;
    if (handshake !== undefined && this.bySession.get(tokenKey(handshake.session)) === entry) {
      this.bySession.delete(tokenKey(handshake.session));
    }
    if (handshake !== undefined && !held) this.forget(handshake);
    // 'disconnected' is the client's own word: it needs no answer. One held is told to come back,
    // unless it is on its way back already.
    if (handshake !== undefined && reason !== 'disconnected' && entry.resuming !== true) {
      this.context.send(
        encodeClose(handshake.session, held ? 'dropped' : reason),
        connection.remote,
      );
    }
    addUp(this.retired, connection.stats);
    this.unverified.delete(entry);
    // One held keeps its place at its address, as among maxClients, until it is back or gone.
    if (!held) this.places.release(entry);
    if (this.entries.get(key) === entry) this.entries.delete(key);
    if (held) {
      // Held, with its place (and the host's role) for its return.
      this.holding.hold(key, entry, handshake.session);
      this.context.logger.info(
        `Client ${key} dropped (${reason}); held ${this.context.reconnectGraceMs} ms for its return.`,
      );
      this.dropped.next({ client: connection.remote, reason });
      return;
    }
    // A dropped connection never welcomed is not held: its events fail now.
    if (connection.isDropped) connection.close();
    this.context.counts.disconnects++;
    if (this.currentHost?.key === key) this.currentHost = undefined;
    // Only who was reported connected is reported gone; the rest never showed it was there.
    if (!entry.welcomed) return;
    this.context.logger.info(`Client ${key} disconnected (${reason}).`);
    this.disconnected.next({ client: connection.remote, reason });
  }
}
