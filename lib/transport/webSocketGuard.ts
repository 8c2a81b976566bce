import { randomBytes } from 'node:crypto';
import { timer } from 'rxjs';
import type { SchedulerLike, Subscription } from 'rxjs';
import type { WebSocket } from 'ws';
import { PACKET_PREFIX_SIZE, PacketKind, isRxgasePacket } from '../protocol/rxgasePackets';

/**
 * How long a socket being closed has to answer the close before it is cut: 1 s (`ws` waits 30).
 * A peer that does not read would hold its socket that long.
 */
const CLOSE_GRACE = 1000;

/** Random, so a pong with it proves its ping was read, and all that was sent before it. */
const PING_PAYLOAD_SIZE = 8;

/** What a guard needs from the transport that holds it. */
export interface SocketGuardContext {
  readonly handshakeTimeout: number;
  readonly bufferLimit: number;
  readonly scheduler: SchedulerLike;
  /** Called when the socket has been out of a session for `handshakeTimeout`. */
  readonly onNoSession: () => void;
}

/**
 * Keeps one server-side WebSocket from pinning the server: it closes the socket once it has been
 * out of an rxgase session for a while, tells a live peer from a dead one by ping and pong, and
 * bounds the bytes that may wait unread on the way to the peer.
 *
 * Sessions are read off the traffic itself: one starts when the server sends the socket an rxgase
 * ACCEPT, and ends when either side sends a CLOSE. Only the peer speaks on its own socket, so a
 * CLOSE it forges ends no one's session but its own. PyGaSe's protocol has no handshake, and no
 * PyGaSe client speaks WebSocket: over WebSocket, a peer plays the rxgase protocol or is closed.
 *
 * Bytes unread are counted from the pongs: a pong answers a ping the peer has read, and TCP
 * delivers in order, so everything sent before that ping has left every buffer on the way. What
 * was sent after it is held somewhere: in `ws`, in the kernel's send buffer, in the peer's receive
 * buffer. `bufferedAmount` sees only the first of these, and the kernel's buffers grow to
 * megabytes for a peer that stops reading; this count bounds them all.
 */
export class SocketGuard {
  private deadline: Subscription | undefined;
  /** Bytes handed to the socket, frames' headers included. */
  private sent = 0;
  /** Of those, how many the peer has shown it read. */
  private read = 0;
  /** Pings not yet answered, oldest first, with `sent` when each went. */
  private readonly pings: { readonly payload: Buffer; readonly sent: number }[] = [];
  /** Whether a pong came since the last heartbeat. */
  private answered = true;
  /** Whether the datagram before this one was skipped: a peer falls behind once, not per datagram. */
  private behind = false;

  constructor(
    private readonly socket: WebSocket,
    private readonly context: SocketGuardContext,
  ) {
    socket.on('pong', (data: Buffer) => this.pong(data));
    this.awaitSession();
  }

  /** Bytes sent to the peer that it has not yet shown it read: at most the limit and a datagram. */
  get unread(): number {
    return this.sent - this.read;
  }

  /**
   * Sends `data`, or skips it if the peer is too far behind.
   *
   * @return `'sent'`, `'skipped'`, or `'fell behind'` for the first datagram skipped in a row.
   */
  send(data: Uint8Array): 'sent' | 'skipped' | 'fell behind' {
    this.watch(data, PacketKind.Accept);
    const { bufferLimit } = this.context;
    if (this.unread > bufferLimit || this.socket.bufferedAmount > bufferLimit) {
      if (this.unread > bufferLimit / 2) this.probe();
      const first = !this.behind;
      this.behind = true;
      return first ? 'fell behind' : 'skipped';
    }
    this.behind = false;
    this.socket.send(data, { binary: true });
    this.sent += frameSize(data.length);
    // Asked early, at half the limit, so a peer that keeps up is never skipped.
    if (this.unread > bufferLimit / 2) this.probe();
    return 'sent';
  }

  /** Notes a datagram from the peer: its own CLOSE ends its session. */
  received(data: Uint8Array): void {
    this.watch(data);
  }

  /**
   * The heartbeat: pings the peer.
   *
   * @return false if the peer did not answer since the last heartbeat: it is dead.
   */
  beat(): boolean {
    if (!this.answered) return false;
    this.answered = false;
    this.ping();
    return true;
  }

  /** Cancels the guard's timer: the socket closed. */
  stop(): void {
    this.deadline?.unsubscribe();
    this.deadline = undefined;
  }

  /** Closes the socket after what was sent before, and cuts it if its peer does not answer. */
  close(code: number, reason: string): void {
    this.stop();
    this.socket.close(code, reason);
    const grace = timer(CLOSE_GRACE, this.context.scheduler).subscribe(() => {
      this.socket.terminate();
    });
    this.socket.once('close', () => grace.unsubscribe());
  }

  /** Starts or ends a session on an ACCEPT (only when `start` is given) or a CLOSE. */
  private watch(data: Uint8Array, start?: number): void {
    if (data.length < PACKET_PREFIX_SIZE || !isRxgasePacket(data)) return;
    const kind = data[PACKET_PREFIX_SIZE - 1];
    if (kind === start) this.stop();
    else if (kind === PacketKind.Close) this.awaitSession();
  }

  private awaitSession(): void {
    if (this.deadline !== undefined) return;
    this.deadline = timer(this.context.handshakeTimeout, this.context.scheduler).subscribe(() => {
      this.deadline = undefined;
      this.context.onNoSession();
    });
  }

  /** A ping to learn what the peer has read, unless one is on its way already. */
  private probe(): void {
    if (this.pings.length === 0) this.ping();
  }

  private ping(): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    const payload = randomBytes(PING_PAYLOAD_SIZE);
    this.socket.ping(payload);
    this.sent += frameSize(PING_PAYLOAD_SIZE);
    this.pings.push({ payload, sent: this.sent });
  }

  /** A pong for none of the pings outstanding (unasked, or made up) proves nothing. */
  private pong(data: Buffer): void {
    const index = this.pings.findIndex(({ payload }) => payload.equals(data));
    const ping = this.pings[index];
    if (ping === undefined) return;
    // A peer may answer only the latest of several pings: the ones before it were read too.
    this.read = ping.sent;
    this.pings.splice(0, index + 1);
    this.answered = true;
  }
}

/** The bytes a server's unmasked frame of `length` bytes takes on the wire (RFC 6455 §5.2). */
function frameSize(length: number): number {
  return length + (length < 126 ? 2 : length < 0x10000 ? 4 : 10);
}
