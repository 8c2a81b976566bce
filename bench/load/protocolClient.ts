/**
 * A lean client for load: the real protocol (client packages with sequence, acks and the ack
 * bitfield, the `time_order` of the state it holds, events whose packages must be acked), with
 * none of a full Client's streams, so that one process can play a thousand of them. It speaks
 * PyGaSe's protocol (a package every 25 ms) or rxgase's (the handshake, then data packets with the
 * session token and event ids, sent as a `Client` sends them: at once for an event, at once for
 * every fourth package received, else every 100 ms).
 */
import { performance } from 'node:perf_hooks';
import {
  acknowledges,
  applyUpdate,
  createGameState,
  decodeServerPackage,
  encodeClientPackage,
  isNewer,
  sqnAdd,
} from '../../lib/index';
import type {
  GameEvent,
  GameState,
  ReceiveWindow,
  Reservation,
  ServerPackage,
} from '../../lib/index';
import { EMPTY_WINDOW, receiveSequence } from '../../lib/operators/trackReceived';
import { MsgpackEncoder } from '../../lib/protocol/msgpackEncoder';
import {
  decodeRxgasePacket,
  encodeChallengeResponse,
  encodeConnectRequest,
  encodeData,
  isRxgasePacket,
  sameBytes,
} from '../../lib/protocol/rxgasePackets';
import {
  ACK_AFTER_BYTES,
  RXGASE_CLIENT_ACK_EVERY as CLIENT_ACK_EVERY,
} from '../../lib/connection/connection';
import { CompactDecoder } from '../../lib/protocol/compactDecoder';
import { decodeCompactServerPackage } from '../../lib/protocol/decode';
import { ticketBytes } from '../../lib/protocol/tickets';
import type { LoadSockets } from './loadSockets';
import { openLoadSockets } from './loadSockets';

const msgpack = new MsgpackEncoder();

/** PyGaSe's send interval: 40 Hz. */
export const SEND_INTERVAL_MS = 25;

/** Which protocol a load client speaks. */
export type LoadProtocol = 'pygase' | 'rxgase';

/** How long an rxgase client waits for a handshake answer before it asks again. */
const HANDSHAKE_RESEND_MS = 250;

/** How long a sent package may wait for its ack before it counts as lost: PyGaSe's 1 s. */
const ACK_TIMEOUT_MS = 1000;

/** What the clients of a load process count while the measurement window is open. */
export interface LoadCounts {
  /** Client packages sent. */
  sent: number;
  /** Of those, the ones a server header acknowledged within 1 s. */
  acked: number;
  /** Events sent in those packages, and the events whose package was acked. */
  eventsSent: number;
  eventsAcked: number;
  /** Server packages received (new ones, not duplicates), and their bytes. */
  received: number;
  bytesIn: number;
  /** What the received packages would take if each carried the whole state instead of an update. */
  wholeStateBytes: number;
  /** Datagrams that did not decode. */
  malformed: number;
}

/** Fresh counts, all 0. */
export function noCounts(): LoadCounts {
  return {
    sent: 0,
    acked: 0,
    eventsSent: 0,
    eventsAcked: 0,
    received: 0,
    bytesIn: 0,
    wholeStateBytes: 0,
    malformed: 0,
  };
}

/** What a client does besides keeping in sync: which events it sends, and when. */
export interface Behaviour {
  /** The events for the package about to go out at `now` (ms). */
  events(client: ProtocolClient, now: number): GameEvent[];
  /** An event the server sent. */
  onEvent?(client: ProtocolClient, event: GameEvent): void;
  /** Whether to hold the state (to count the whole-state baseline); default no. */
  readonly holdsState?: boolean;
}

interface Pending {
  readonly sequence: number;
  readonly sentAt: number;
  readonly counted: boolean;
  readonly events: number;
}

// Past ~300 lines with its documentation: one role, one client of either protocol, whose
// handshake, packages, acks and events share the same sequence and pending packages.
/** One simulated client: one socket of its own, as the server tells clients by address. */
export class ProtocolClient {
  /** When the next package is due, in ms of `performance.now()`; set when the load starts. */
  nextSendAt = Infinity;
  /** A behaviour's own notes (a player id, when the next event is due). */
  readonly notes: Record<string, unknown> = {};

  private sequence = 0;
  private window: ReceiveWindow = EMPTY_WINDOW;
  private timeOrder = 0;
  private state: GameState = createGameState({});
  private readonly pending: Pending[] = [];
  /** The rxgase session token, once the handshake is done; PyGaSe clients have none. */
  private session: Uint8Array | undefined;
  private eventId = 0;
  private lastSentAt = -Infinity;
  /** Server packages taken since the last send: an rxgase client acks every fourth at once. */
  private unacked = 0;
  /** The bytes received since the last package sent: past ACK_AFTER_BYTES, acked at once. */
  private bytesUnacked = 0;
  /** An rxgase client's reader of compact updates, which holds its connection's dictionary. */
  private readonly updates = new CompactDecoder();
  /** The answer the handshake waits for, while it does. */
  private answer: ((packet: ReturnType<typeof decodeRxgasePacket>) => void) | undefined;

  private constructor(
    private readonly sockets: LoadSockets,
    private readonly index: number,
    private server: number,
    private readonly behaviour: Behaviour,
    private readonly counts: LoadCounts,
    private readonly counting: () => boolean,
    private readonly eventAcksMs: number[] | undefined,
  ) {}

  /**
   * `count` clients, each bound to a port of its own on 127.0.0.1 (their `sockets`, which the
   * caller closes), that will talk to the server at `port`.
   *
   * @param counts Where to count; packages and events count when sent while `counting()`, and
   *   their acks count whenever they come.
   * @param eventAcksMs Where to note, once for each counted event, how long its package took to
   *   be acked, in ms; by default nowhere.
   */
  static async open(
    count: number,
    port: number,
    behaviour: Behaviour,
    counts: LoadCounts,
    counting: () => boolean,
    eventAcksMs?: number[],
  ): Promise<{ clients: ProtocolClient[]; sockets: LoadSockets }> {
    const clients: ProtocolClient[] = [];
    const sockets = await openLoadSockets(count, (index, datagram, at) =>
      clients[index]?.receive(datagram, at),
    );
    for (let index = 0; index < count; index++) {
      clients.push(
        new ProtocolClient(sockets, index, port, behaviour, counts, counting, eventAcksMs),
      );
    }
    return { clients, sockets };
  }

  /**
   * The rxgase handshake: a connect request, then the challenge's cookie echoed, each sent again
   * every 250 ms until answered; after it, the client sends data packets of its session.
   *
   * @param ticket What the connect request carries: the ticket of a seat in a room; none by
   *   default (a server of one game).
   */
  async handshake(ticket?: Uint8Array): Promise<void> {
    const nonce = globalThis.crypto.getRandomValues(new Uint8Array(8));
    const ask = <K extends 'challenge' | 'accept'>(
      request: Uint8Array,
      kind: K,
    ): Promise<Extract<ReturnType<typeof decodeRxgasePacket>, { kind: K }>> =>
      new Promise((resolve) => {
        const send = (): void => this.sockets.send(this.index, request, this.server);
        const again = setInterval(send, HANDSHAKE_RESEND_MS);
        this.answer = (packet) => {
          if (packet.kind !== kind || !('nonce' in packet) || !sameBytes(packet.nonce, nonce))
            return;
          clearInterval(again);
          this.answer = undefined;
          resolve(packet as Extract<ReturnType<typeof decodeRxgasePacket>, { kind: K }>);
        };
        send();
      });
    const { cookie } = await ask(encodeConnectRequest(nonce, undefined, ticket), 'challenge');
    const { session } = await ask(encodeChallengeResponse(nonce, cookie), 'accept');
    this.session = session;
  }

  /** Takes a seat a matchmaker gave: the handshake with its ticket, at its room's server. */
  async join(seat: Reservation): Promise<void> {
    this.server = seat.address.port;
    await this.handshake(ticketBytes(seat.ticket));
  }

  /**
   * Sends the package due now: header with the receive window, `time_order`, events. An rxgase
   * client with no event to send and no package to ack skips the beat, up to 100 ms.
   */
  send(now: number): void {
    const events = this.behaviour.events(this, now);
    if (
      this.session !== undefined &&
      events.length === 0 &&
      this.unacked < CLIENT_ACK_EVERY &&
      now - this.lastSentAt < CLIENT_ACK_EVERY * SEND_INTERVAL_MS
    ) {
      return;
    }
    this.sendPackage(now, events);
  }

  private sendPackage(now: number, events: GameEvent[]): void {
    this.expire(now);
    this.sequence = sqnAdd(this.sequence, 1);
    this.lastSentAt = now;
    this.unacked = 0;
    this.bytesUnacked = 0;
    const pkg = encodeClientPackage({
      header: {
        sequence: this.sequence,
        ack: this.window.remoteSequence,
        ackBitfield: this.window.ackBitfield,
      },
      timeOrder: this.timeOrder,
      events,
    });
    const counted = this.counting();
    if (counted) {
      this.counts.sent++;
      this.counts.eventsSent += events.length;
    }
    this.pending.push({ sequence: this.sequence, sentAt: now, counted, events: events.length });
    const datagram =
      this.session === undefined
        ? pkg
        : encodeData(
            this.session,
            events.map(() => (this.eventId = (this.eventId + 1) % 0x1_0000_0000)),
            pkg,
          );
    this.sockets.send(this.index, datagram, this.server);
  }

  /** A datagram from the server, which reached the client's socket at `at` (`performance.now()`). */
  receive(data: Buffer, at: number): void {
    const counted = this.counting();
    const counts = this.counts;
    let pkg: ServerPackage;
    try {
      if (isRxgasePacket(data)) {
        const packet = decodeRxgasePacket(data);
        if (packet.kind !== 'data') return this.answer?.(packet);
        if (this.session === undefined || !sameBytes(packet.session, this.session)) return;
        pkg = decodeCompactServerPackage(packet.package, this.updates);
      } else pkg = decodeServerPackage(data);
    } catch {
      counts.malformed++;
      return;
    }
    const { window, verdict } = receiveSequence(this.window, pkg.header.sequence);
    if (verdict === 'duplicate' || verdict === 'stale') return;
    this.window = window;
    const update = pkg.update;
    if (
      update !== undefined &&
      (this.timeOrder === 0 || isNewer(update.time_order, this.timeOrder))
    ) {
      if (this.behaviour.holdsState) this.state = applyUpdate(this.state, update);
      this.timeOrder = update.time_order;
    }
    if (counted) {
      counts.received++;
      counts.bytesIn += data.length;
      if (this.behaviour.holdsState) {
        // The same package with the whole state where the update is (its length at byte 12).
        const updateBytes = data.readUInt16BE(12);
        counts.wholeStateBytes +=
          data.length - updateBytes + msgpack.encode(this.state, 1 << 20).length;
      }
    }
    this.resolve(pkg, at);
    for (const event of pkg.events) this.behaviour.onEvent?.(this, event);
    // An rxgase client acks events, every fourth package, and large updates at once, as Client.
    this.bytesUnacked += data.length;
    if (
      this.session !== undefined &&
      (pkg.events.length > 0 ||
        ++this.unacked >= CLIENT_ACK_EVERY ||
        this.bytesUnacked > ACK_AFTER_BYTES)
    ) {
      this.sendPackage(performance.now(), []);
    }
  }

  /** Packages the header acknowledges are acked, with their events. */
  private resolve(pkg: ServerPackage, at: number): void {
    for (let i = 0; i < this.pending.length;) {
      const sent = this.pending[i] as Pending;
      if (!acknowledges(pkg.header, sent.sequence)) {
        i++;
        continue;
      }
      this.pending.splice(i, 1);
      if (sent.counted) {
        this.counts.acked++;
        this.counts.eventsAcked += sent.events;
        const ackMs = at - sent.sentAt;
        for (let e = 0; e < sent.events; e++) this.eventAcksMs?.push(ackMs);
      }
    }
  }

  /** Packages unacked after 1 s are lost: forgotten. */
  private expire(now: number): void {
    while (this.pending.length > 0 && (this.pending[0] as Pending).sentAt < now - ACK_TIMEOUT_MS) {
      this.pending.shift();
    }
  }
}
