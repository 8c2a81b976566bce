import { Observable } from 'rxjs';
import type { OperatorFunction, SchedulerLike } from 'rxjs';
import { decodeClientPackage } from '../protocol/decode';
import { RxgaseError } from '../protocol/errors';
import type { Logger } from '../util/logger';
import type { ClientPackage } from '../protocol/packages';
import type { RxgasePacket } from '../protocol/rxgasePackets';
import {
  DATA_OVERHEAD,
  PACKET_PREFIX_SIZE,
  PacketKind,
  RXGASE_PROTOCOL_VERSION,
  TOKEN_SIZE,
  decodeRxgasePacket,
  encodeChallenge,
  encodeClose,
  isRxgasePacket,
  sameBytes,
} from '../protocol/rxgasePackets';
import type { GameState } from '../state/gameState';
import type { Address, Datagram } from '../transport/datagram';
import { addressKey } from '../transport/datagram';
import { AddressKeys } from './addressKeys';
import type { Farewells } from './farewells';
import type { ClientEntry, Handshake } from './clientConnection';
import type { ClientRegistry } from './clientRegistry';
import type { Cookies } from './cookies';
import type { RateLimit } from './rateLimiter';
import { RateLimiter } from './rateLimiter';
import type { GateCounts } from './serverStats';
import { ShutdownRequests, isShutdownWord } from './shutdownRequests';
import { UnknownSessions } from './unknownSessions';
import { resumedSession } from '../protocol/tickets';
import { handOn } from '../util/handOn';

/**
 * A datagram the gate lets through: to its client's connection, or, with `opens`, opening one.
 * What goes to a connection is the transport's own datagram, passed on as it came.
 */
export interface Admitted extends Datagram {
  /** What the new client's connection starts from; absent for a client already connected. */
  readonly opens?: Opening;
}

/** How a client's connection starts: its first package, or the rxgase handshake it passed. */
export interface Opening {
  /** The `time_order` of a PyGaSe client's first package; 0 for an rxgase client. */
  readonly timeOrder: number;
  /** The nonce of an rxgase client's handshake; the datagram that opens it is not for the connection. */
  readonly nonce?: Uint8Array;
  /** The session an rxgase client takes up again, whose link dropped. */
  readonly resumes?: Uint8Array;
}

/** What the gate needs of its server. */
export interface GateContext<S extends GameState<object>> {
  readonly clients: ClientRegistry<S>;
  readonly cookies: Cookies;
  readonly counts: GateCounts;
  readonly scheduler: SchedulerLike;
  readonly logger: Logger;
  readonly legacyClients: boolean;
  /** How many new PyGaSe clients a second, all addresses together; false: no limit. */
  readonly legacyJoinsPerSecond: number | false;
  readonly rateLimit: RateLimit | false | undefined;
  /** Whether the host may shut the server down; false: every shutdown request is refused. */
  readonly remoteShutdown: boolean;
  /** Sends a datagram to an address. */
  readonly send: (data: Uint8Array, to: Address) => void;
  /** The sessions closed by a farewell: the server's, kept across its runs. */
  readonly farewells: Farewells;
  /**
   * Held while a datagram is taken, and all it sets off: its connection's clock reads, its
   * session budget's, its acks' and its silence timer's, are one (see `TimerWheel.hold`).
   */
  readonly clock?: { hold(): void; release(): void };
  /** Shuts the server down: its host asked. */
  readonly shutdown: () => void;
}

/**
 * Where a server's datagrams come in: each is counted, and goes to its client's connection, to a
 * step of the rxgase handshake, to PyGaSe's shutdown word, to a new PyGaSe client's connection,
 * or is dropped, in exactly one of the counts of `ServerStats`. A client's own session traffic
 * comes first and is never rate limited; the rest is, per address.
 *
 * The gate decides, and `demultiplex` after it hands on: what it admits goes to the group of its
 * address, which is its client's connection's `incoming$`.
 */
export class Gate<S extends GameState<object>> {
  private readonly limiter: RateLimiter | undefined;
  /**
   * New PyGaSe clients, across all addresses: each can try one guess at an ack, so a stranger
   * guessing sequence numbers gets that many tries a second, one in 65,535 each.
   */
  private readonly legacyJoins: RateLimiter | undefined;
  private readonly shutdowns: ShutdownRequests;
  private readonly unknownSessions: UnknownSessions;
  /** The datagram admitted last, and its address key: `keyOf` asks for it next. */
  private lastAdmitted: Admitted | undefined;
  private lastKey = '';
  private readonly keys = new AddressKeys();

  constructor(private readonly context: GateContext<S>) {
    this.limiter = context.rateLimit === false ? undefined : new RateLimiter(context.rateLimit);
    const joins = context.legacyJoinsPerSecond;
    this.legacyJoins =
      joins === false
        ? undefined
        : new RateLimiter({ datagramsPerSecond: joins, burst: 2 * joins, maxAddresses: 1 });
    this.unknownSessions = new UnknownSessions(context);
    this.shutdowns = new ShutdownRequests({ ...context, host: () => context.clients.host });
  }

  /** The datagrams of `source` admitted, each as `admit` lets it through. */
  admitted(): OperatorFunction<Datagram, Admitted> {
    return (source) =>
      new Observable<Admitted>((subscriber) =>
        source.subscribe(
          handOn(
            (datagram) => {
              const clock = this.context.clock;
              clock?.hold();
              try {
                const admitted = this.admitOrDrop(datagram);
                if (admitted !== undefined) subscriber.next(admitted);
              } finally {
                clock?.release();
              }
            },
            (error) => subscriber.error(error),
            () => subscriber.complete(),
          ),
        ),
      );
  }

  /**
   * The address key of a datagram the gate admitted, to group it by: the one `admit` worked out
   * for it, not a second string for every datagram.
   */
  readonly keyOf = (admitted: Admitted): string =>
    admitted === this.lastAdmitted ? this.lastKey : this.keys.keyOf(admitted.address);

  /**
   * {@link admit}, with what it fails on contained to the datagram: a fault of the server's own
   * (no named error of a bad datagram) drops that datagram, counted as `malformed` and logged,
   * and the server goes on taking the others.
   */
  private admitOrDrop(datagram: Datagram): Admitted | undefined {
    try {
      return this.admit(datagram);
    } catch (error) {
      this.context.counts.malformed++;
      this.context.logger.error(
        `Dropped a datagram from ${addressKey(datagram.address)}: the server failed on it.`,
        error,
      );
      return undefined;
    }
  }

  /**
   * Takes a datagram: passes it on to its connection, passes on what opens a connection, or
   * answers it, or drops it; counted either way.
   */
  admit(datagram: Datagram): Admitted | undefined {
    const { data, address } = datagram;
    const counts = this.context.counts;
    counts.datagramsIn++;
    counts.bytesIn += data.length;
    const key = this.keys.keyOf(address);
    this.lastAdmitted = datagram;
    this.lastKey = key;
    const known = this.context.clients.get(key);
    // A client's own data, with its session token, is never limited: else anyone could silence
    // a client by flooding the server in its name.
    if (known?.handshake !== undefined && isSessionData(data, known.handshake.session)) {
      counts.routed++;
      return datagram;
    }
    if (this.limiter !== undefined && !this.limiter.allow(key, this.context.scheduler.now())) {
      counts.rateLimited++;
      return undefined;
    }
    if (isRxgasePacket(data)) return this.admitPacket(datagram, key, known);
    if (isShutdownWord(data)) {
      this.shutdowns.fromWord(key, known);
      return undefined;
    }
    if (known !== undefined) {
      counts.routed++;
      return datagram;
    }
    let first: ClientPackage;
    try {
      first = decodeClientPackage(data);
    } catch (error) {
      if (!(error instanceof RxgaseError)) throw error;
      counts.malformed++;
      return undefined;
    }
    if (
      !this.context.legacyClients ||
      this.legacyJoins?.allow('pygase', this.context.scheduler.now()) === false ||
      !this.context.clients.makeRoomForUnverified(address)
    ) {
      counts.refused++;
      return undefined;
    }
    counts.routed++;
    return this.opening(datagram, { timeOrder: first.timeOrder });
  }

  /** A datagram that opens a client's connection, keyed as the datagram it comes of. */
  private opening(datagram: Datagram, opens: Opening): Admitted {
    const admitted = { ...datagram, opens };
    this.lastAdmitted = admitted;
    return admitted;
  }

  /** An rxgase packet: data for a connection, or a step of the handshake. */
  private admitPacket(
    datagram: Datagram,
    key: string,
    known: ClientEntry | undefined,
  ): Admitted | undefined {
    const { data, address } = datagram;
    const counts = this.context.counts;
    let packet: RxgasePacket;
    try {
      packet = decodeRxgasePacket(data);
    } catch (error) {
      if (!(error instanceof RxgaseError)) throw error;
      counts.malformed++;
      return undefined;
    }
    const send = (reply: Uint8Array): void => this.context.send(reply, address);
    switch (packet.kind) {
      case 'data':
      case 'fragment':
        if (known === undefined) {
          // A client held for its reconnection that did not see its link drop is told to come back.
          const held = this.context.clients.resumable(packet.session);
          this.unknownSessions.tell(
            packet.session,
            data.length,
            address,
            this.now(),
            held ? 'dropped' : 'unknown session',
          );
          break;
        }
        counts.routed++;
        return datagram;
      case 'connect request': {
        counts.control++;
        const resumes = resumedSession(packet.ticket);
        if (packet.version !== RXGASE_PROTOCOL_VERSION) {
          send(encodeClose(packet.nonce, 'version mismatch'));
        } else if (resumes !== undefined && !this.context.clients.resumable(resumes)) {
          send(encodeClose(packet.nonce, 'unknown session'));
        } else if (
          resumes === undefined
            ? this.context.clients.turnsAway(address, known)
            : this.context.clients.turnsAwayResuming(address, resumes)
        ) {
          send(encodeClose(packet.nonce, 'server full'));
        } else {
          send(
            encodeChallenge(
              packet.nonce,
              this.context.cookies.issue(address, packet.nonce, this.context.scheduler.now()),
            ),
          );
        }
        return undefined;
      }
      case 'challenge response': {
        const { cookies, scheduler } = this.context;
        const redeemed = cookies.redeem(packet.cookie, address, packet.nonce, scheduler.now());
        counts.cookiesForgotten = cookies.forgotten;
        if (redeemed === 'bad') break;
        if (redeemed === 'used') {
          if (isAwaitingAccept(known, packet.nonce)) {
            // Its accept was lost: the same again.
            counts.control++;
            send(known.handshake.accept);
            return undefined;
          }
          counts.replaysRefused++;
          break;
        }
        counts.control++;
        if (packet.version !== RXGASE_PROTOCOL_VERSION) {
          send(encodeClose(packet.nonce, 'version mismatch'));
          return undefined;
        }
        const { clients } = this.context;
        // A resume token, which only the session's client was given, names the session to resume.
        const resumes =
          packet.resumes === undefined ? undefined : clients.sessionOf(packet.resumes);
        if (packet.resumes !== undefined) {
          if (resumes === undefined) {
            send(encodeClose(packet.nonce, 'unknown session'));
            return undefined;
          }
          if (clients.turnsAwayResuming(address, resumes)) {
            send(encodeClose(packet.nonce, 'server full'));
            return undefined;
          }
          // Its session is held from here on, whatever the server still had of it.
          clients.release(resumes);
        } else if (clients.turnsAway(address, known)) {
          send(encodeClose(packet.nonce, 'server full'));
          return undefined;
        }
        // A new session from an address that had one: the old one is over, and its group with it.
        clients.get(key)?.connection.close('disconnected');
        // Its connection, opened on this, sends the client its accept.
        return this.opening(datagram, {
          timeOrder: 0,
          nonce: packet.nonce,
          ...(resumes && { resumes: new Uint8Array(resumes) }),
        });
      }
      case 'close': {
        if (known?.handshake !== undefined && sameBytes(packet.token, known.handshake.session)) {
          counts.control++;
          // The server's own copy: the token is a view of the datagram, whose buffer may be shared.
          this.context.farewells.said(key, known.handshake.session);
          known.connection.close('disconnected');
          // Answered, so the client closes its link knowing it was heard (see farewell.ts).
          send(encodeClose(packet.token, 'disconnected'));
          return undefined;
        }
        // The same farewell again (said twice, and until answered): answered again, as its first
        // answer may be lost.
        if (this.context.farewells.saidBefore(key, packet.token)) {
          counts.control++;
          send(encodeClose(packet.token, 'disconnected'));
          return undefined;
        }
        // A farewell that came after the transport said its link closed (the two may travel
        // apart): the client left, it is not held for a return it will not make.
        const held = known === undefined ? this.context.clients.heldAt(key) : undefined;
        if (held?.handshake === undefined || !sameBytes(packet.token, held.handshake.session))
          break;
        counts.control++;
        this.context.farewells.said(key, held.handshake.session);
        this.context.clients.letGo(key, 'disconnected');
        send(encodeClose(packet.token, 'disconnected'));
        return undefined;
      }
      case 'shutdown request':
        if (known === undefined) {
          this.unknownSessions.tell(packet.session, data.length, address, this.now());
        }
        this.shutdowns.fromPacket(key, known, packet);
        return undefined;
      default:
        // A challenge or an accept: the server sends those, it never takes them.
        break;
    }
    counts.refused++;
    return undefined;
  }

  private now(): number {
    return this.context.scheduler.now();
  }
}

/**
 * Whether `data` is an rxgase data packet, or a fragment of one, of the session `session`: its
 * connection checks the rest, holding nothing for a fragment of another session.
 */
function isSessionData(data: Uint8Array, session: Uint8Array): boolean {
  const kind = data[PACKET_PREFIX_SIZE - 1];
  return (
    data.length >= DATA_OVERHEAD &&
    (kind === PacketKind.Data || kind === PacketKind.Fragment || kind === PacketKind.SliceAck) &&
    isRxgasePacket(data) &&
    sameBytes(data.subarray(PACKET_PREFIX_SIZE, PACKET_PREFIX_SIZE + TOKEN_SIZE), session)
  );
}

/**
 * Whether the client at the address holds the session this nonce opened and has sent nothing of
 * it yet: its challenge response sent again means its accept was lost. Once it sent a package
 * it has its accept, and the same response again is a replay.
 */
function isAwaitingAccept(
  known: ClientEntry | undefined,
  nonce: Uint8Array,
): known is ClientEntry & { readonly handshake: Handshake } {
  return (
    known?.handshake !== undefined &&
    sameBytes(known.handshake.nonce, nonce) &&
    known.connection.stats.packagesIn === 0
  );
}
