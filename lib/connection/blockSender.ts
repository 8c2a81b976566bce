import { MAX_DATAGRAM_SIZE, SLICE_SIZE, sliceCount } from '../protocol/rxgaseConstants';
import type { SliceAckPacket } from '../protocol/rxgaseDecode';
import { encodeSlice } from '../protocol/rxgaseEncode';

/**
 * The bandwidth a connection's blocks take by default, in bytes per second: 1 MiB/s, which
 * brings a joining client a 256 KiB state in a quarter of a second plus a round trip.
 *
 * @category Protocol
 */
export const DEFAULT_BLOCK_BANDWIDTH = 1024 * 1024;

/** The resend timeout before the first round trip of a slice is measured. */
const INITIAL_RTO_MS = 1000;
/** The resend timeout's bounds, however the round trips go. */
const MIN_RTO_MS = 50;
const MAX_RTO_MS = 3000;
/** How much of the budget may gather while nothing is due: two beats of a 40 Hz connection. */
const BURST_MS = 50;

/** What a block sender needs: the session, the way out, and the budget. */
export interface BlockSenderOptions {
  readonly session: Uint8Array;
  readonly send: (datagram: Uint8Array) => void;
  /** Bytes per second the slices may take, resends included. */
  readonly bandwidth: number;
  /** What became of each slice sent: first time or again, with its size on the wire. */
  readonly sent?: (bytes: number, again: boolean) => void;
}

/** A block on its way: its bytes, which slices the receiver holds, when each last went out. */
interface Outgoing {
  readonly id: number;
  readonly bytes: Uint8Array;
  readonly count: number;
  readonly acked: Uint8Array;
  /** When each slice last went out, -1 before it has. */
  readonly sentAt: Float64Array;
  /** How many times each slice went out: only one sent once gives a round trip (Karn). */
  readonly sends: Uint8Array;
  remaining: number;
  /** The bitmaps of the acks since the last pump, merged, and when the first of them came. */
  readonly pending: Uint8Array;
  ackedAt: number | undefined;
  readonly done: () => void;
}

/**
 * Sends blocks, one at a time in the order given, as slices: each slice goes out once within the
 * bandwidth budget, and again only when the receiver has not acknowledged it within the resend
 * timeout, which follows the round trips the acks show (srtt + 4 rttvar, as TCP's RFC 6298).
 * The receiver acks with a bitmap of the whole block, so a lost ack costs nothing the next one
 * does not repair.
 *
 * It keeps no timer: {@link pump} sends what is due, on the connection's send beat.
 */
export class BlockSender {
  private readonly queue: Array<{ bytes: Uint8Array; done: () => void }> = [];
  private block: Outgoing | undefined;
  private nextId = 0;
  private tokens: number;
  private refilledAt: number | undefined;
  private srtt = 0;
  private rttvar = 0;
  private readonly burst: number;

  constructor(private readonly options: BlockSenderOptions) {
    this.burst = Math.max(MAX_DATAGRAM_SIZE, (options.bandwidth * BURST_MS) / 1000);
    this.tokens = this.burst;
  }

  /** Whether a block is on its way or waiting. */
  get busy(): boolean {
    return this.block !== undefined || this.queue.length > 0;
  }

  /** Queues `bytes` as a block; `done` is called once the receiver holds every slice. */
  send(bytes: Uint8Array, done: () => void): void {
    this.queue.push({ bytes, done });
  }

  /** Forgets every block, sent or waiting: their `done` is never called. */
  clear(): void {
    this.queue.length = 0;
    this.block = undefined;
  }

  /**
   * Takes the receiver's ack: its bitmap is merged into those since the last {@link pump}, which
   * takes them, so a flood of acks costs a few bytes of work each, not a walk over the block.
   */
  acked(ack: SliceAckPacket, now: number): void {
    const block = this.block;
    if (block === undefined || ack.blockId !== block.id || ack.count !== block.count) return;
    const { received } = ack;
    const pending = block.pending;
    for (let i = 0; i < pending.length; i++) {
      pending[i] = (pending[i] as number) | (received[i] as number);
    }
    block.ackedAt ??= now;
  }

  /** Takes the acks since the last pump: the slices they hold, and round trips of those sent once. */
  private takeAcks(): void {
    const block = this.block;
    if (block === undefined || block.ackedAt === undefined) return;
    const { pending, ackedAt } = block;
    block.ackedAt = undefined;
    for (let i = 0; i < block.count; i++) {
      if (block.acked[i] === 1 || ((pending[i >> 3] as number) & (1 << (i & 7))) === 0) continue;
      block.acked[i] = 1;
      block.remaining--;
      if (block.sends[i] === 1) this.sample(ackedAt - (block.sentAt[i] as number));
    }
    if (block.remaining > 0) return;
    this.block = undefined;
    block.done();
  }

  /**
   * Sends the slices due now, as far as the budget goes: those never sent first, in order, then
   * those whose ack is overdue.
   *
   * @param latencyMs The connection's smoothed round trip, for the resend timeout before a slice's
   *   own round trip is known; 0 if it knows none.
   */
  pump(now: number, latencyMs: number): void {
    this.takeAcks();
    this.refill(now);
    if (this.block === undefined && !this.start()) return;
    const block = this.block as Outgoing;
    const rto = this.rto(latencyMs);
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < block.count; i++) {
        if (block.acked[i] === 1) continue;
        const sentAt = block.sentAt[i] as number;
        const due = pass === 0 ? sentAt < 0 : sentAt >= 0 && now - sentAt >= rto;
        if (!due) continue;
        if (this.tokens <= 0) return;
        this.sendSlice(block, i, now);
      }
    }
  }

  /** The next block waiting becomes the one on its way; false if none waits. */
  private start(): boolean {
    const next = this.queue.shift();
    if (next === undefined) return false;
    const count = sliceCount(next.bytes.length);
    this.block = {
      id: this.nextId,
      bytes: next.bytes,
      count,
      acked: new Uint8Array(count),
      sentAt: new Float64Array(count).fill(-1),
      sends: new Uint8Array(count),
      remaining: count,
      pending: new Uint8Array(Math.ceil(count / 8)),
      ackedAt: undefined,
      done: next.done,
    };
    this.nextId = (this.nextId + 1) & 0xffff;
    return true;
  }

  private sendSlice(block: Outgoing, index: number, now: number): void {
    const start = index * SLICE_SIZE;
    const bytes = block.bytes.subarray(start, Math.min(block.bytes.length, start + SLICE_SIZE));
    const datagram = encodeSlice(this.options.session, block.id, block.bytes.length, index, bytes);
    const again = (block.sentAt[index] as number) >= 0;
    block.sentAt[index] = now;
    block.sends[index] = Math.min(255, (block.sends[index] as number) + 1);
    this.tokens -= datagram.length;
    this.options.sent?.(datagram.length, again);
    this.options.send(datagram);
  }

  private refill(now: number): void {
    const since = this.refilledAt === undefined ? 0 : now - this.refilledAt;
    this.refilledAt = now;
    this.tokens = Math.min(this.burst, this.tokens + (since * this.options.bandwidth) / 1000);
  }

  /** How long a slice waits for its ack before it goes again. */
  private rto(latencyMs: number): number {
    // Half the round trip again at least: a link's jitter shows late in the variance.
    const rto =
      this.srtt > 0
        ? Math.max(this.srtt + 4 * this.rttvar, 1.5 * this.srtt)
        : Math.max(INITIAL_RTO_MS, 2 * latencyMs);
    return Math.min(MAX_RTO_MS, Math.max(MIN_RTO_MS, rto));
  }

  private sample(rttMs: number): void {
    if (this.srtt === 0) {
      this.srtt = Math.max(rttMs, 1);
      this.rttvar = rttMs / 2;
      return;
    }
    this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - rttMs);
    this.srtt = 0.875 * this.srtt + 0.125 * rttMs;
  }
}
