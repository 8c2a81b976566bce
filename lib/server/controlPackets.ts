import { RxgaseError } from '../protocol/errors';
import type { RxgasePacket } from '../protocol/rxgasePackets';
import {
  RXGASE_PROTOCOL_VERSION,
  decodeRxgasePacket,
  encodeChallenge,
  encodeClose,
  sameBytes,
} from '../protocol/rxgasePackets';
import { resumedSession } from '../protocol/tickets';
import type { GameState } from '../state/gameState';
import type { Datagram } from '../transport/datagram';
import type { ClientEntry, Handshake } from './clientConnection';
import type { GateContext, Opening } from './gateContext';
import type { ShutdownRequests } from './shutdownRequests';
import { UnknownSessions } from './unknownSessions';

/** A packet of its client's session, for the gate to pass on to the client's connection. */
export const ROUTE = 'route';

/** What an rxgase packet comes to: its client's data, a connection it opens, or nothing more. */
export type PacketOutcome = typeof ROUTE | Opening | undefined;

/**
 * The gate's rxgase packets other than a known session's own data, which the gate passes on
 * before it looks further: the steps of the handshake (a connect request is answered with a
 * challenge, or a close saying why not; a challenge response redeems its cookie and opens the
 * client's connection), farewells, shutdown requests, and data that did not carry its address's
 * session: answered from an address with no client, passed on to the connection of one with a
 * client, which checks it.
 */
export class ControlPackets<S extends GameState<object>> {
  private readonly unknownSessions: UnknownSessions;

  constructor(
    private readonly context: GateContext<S>,
    private readonly shutdowns: ShutdownRequests,
  ) {
    this.unknownSessions = new UnknownSessions(context);
  }

  /**
   * Takes an rxgase packet from the address of `key` (whose client is `known`, if any): data of a
   * session the server does not know is answered; a step of the handshake, a farewell or a
   * shutdown request is answered and done with; each counted.
   *
   * @return {@link ROUTE} for its client's data, what opens a connection, or nothing more to do.
   */
  take(datagram: Datagram, key: string, known: ClientEntry | undefined): PacketOutcome {
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
        return ROUTE;
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
        return {
          timeOrder: 0,
          nonce: packet.nonce,
          ...(resumes && { resumes: new Uint8Array(resumes) }),
        };
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
