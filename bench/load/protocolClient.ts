/**
 * A lean PyGaSe client for load: the real protocol (client packages at 40 Hz with sequence, acks
 * and the ack bitfield, the `time_order` of the state it holds, events whose packages must be
 * acked), with none of a full Client's streams, so that one process can play a thousand of them.
 */
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
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
import type { GameEvent, GameState, ReceiveWindow, ServerPackage } from '../../lib/index';
import { EMPTY_WINDOW, receiveSequence } from '../../lib/operators/trackReceived';
import { MsgpackEncoder } from '../../lib/protocol/msgpackEncoder';

const msgpack = new MsgpackEncoder();

/** PyGaSe's send interval: 40 Hz. */
export const SEND_INTERVAL_MS = 25;

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

/** One simulated client: one socket of its own, as the server tells clients by address. */
export class ProtocolClient {
  /** When the next package is due, in ms of `performance.now()`; set when the load starts. */
  nextSendAt = Infinity;
  /** A behaviour's own notes (a player id, when the next event is due). */
  readonly notes: Record<string, unknown> = {};

  private readonly socket: Socket;
  private sequence = 0;
  private window: ReceiveWindow = EMPTY_WINDOW;
  private timeOrder = 0;
  private state: GameState = createGameState({});
  private readonly pending: Pending[] = [];

  private constructor(
    socket: Socket,
    private readonly server: number,
    private readonly behaviour: Behaviour,
    private readonly counts: LoadCounts,
    private readonly counting: () => boolean,
    private readonly eventAcksMs: number[] | undefined,
  ) {
    this.socket = socket;
    socket.on('message', (data) => this.receive(data));
  }

  /**
   * A client bound to a port of its own on 127.0.0.1, that will talk to the server at `port`.
   *
   * @param counts Where to count; packages and events count when sent while `counting()`, and
   *   their acks count whenever they come.
   * @param eventAcksMs Where to note, once for each counted event, how long its package took to
   *   be acked, in ms; by default nowhere.
   */
  static async bind(
    port: number,
    behaviour: Behaviour,
    counts: LoadCounts,
    counting: () => boolean,
    eventAcksMs?: number[],
  ): Promise<ProtocolClient> {
    const socket = createSocket({ type: 'udp4', recvBufferSize: 256 * 1024 });
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new ProtocolClient(socket, port, behaviour, counts, counting, eventAcksMs);
  }

  /** Sends the package due now: header with the receive window, `time_order`, events. */
  send(now: number): void {
    this.expire(now);
    this.sequence = sqnAdd(this.sequence, 1);
    const events = this.behaviour.events(this, now);
    const datagram = encodeClientPackage({
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
    this.socket.send(datagram, this.server, '127.0.0.1');
  }

  /** Stops the client; what is still unacked stays unacked. */
  close(): void {
    this.socket.close();
  }

  private receive(data: Buffer): void {
    const counted = this.counting();
    const counts = this.counts;
    let pkg: ServerPackage;
    try {
      pkg = decodeServerPackage(data);
    } catch {
      counts.malformed++;
      return;
    }
    const { window, verdict } = receiveSequence(this.window, pkg.header.sequence);
    if (verdict === 'duplicate' || verdict === 'stale') return;
    this.window = window;
    const update = pkg.update;
    if (this.timeOrder === 0 || isNewer(update.time_order, this.timeOrder)) {
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
    this.resolve(pkg);
    for (const event of pkg.events) this.behaviour.onEvent?.(this, event);
  }

  /** Packages the header acknowledges are acked, with their events. */
  private resolve(pkg: ServerPackage): void {
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
        const ackMs = performance.now() - sent.sentAt;
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
