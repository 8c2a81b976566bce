import { filter, map, scan } from 'rxjs';
import type { OperatorFunction } from 'rxjs';
import { ACK_BITFIELD_SIZE } from '../protocol/constants';
import type { Package } from '../protocol/packages';
import { sqnDiff } from '../protocol/sequence';

/**
 * What a peer knows of the packages it received: what it acks in its next header.
 *
 * @category Operators
 */
export interface ReceiveWindow {
  /** The newest sequence number received; 0 before any. */
  readonly remoteSequence: number;
  /** Which of the 32 sequence numbers before it arrived: bit 31 = remoteSequence - 1. */
  readonly ackBitfield: number;
}

/**
 * What became of a received sequence number.
 *
 * @internal
 */
export type ReceiveVerdict =
  /** Newer than any before. */
  | 'new'
  /** Older, but within the 32 the window remembers, and not seen yet: accepted. */
  | 'late'
  /** Seen before: dropped. */
  | 'duplicate'
  /** More than 32 behind (or sequence 0): the window cannot tell, so it is dropped. */
  | 'stale';

/**
 * A package the window accepted, with the window after it.
 *
 * @category Operators
 */
export interface Received<P extends Package> {
  readonly package: P;
  readonly window: ReceiveWindow;
  readonly late: boolean;
}

/**
 * The window before any package arrived.
 *
 * @internal
 */
export const EMPTY_WINDOW: ReceiveWindow = { remoteSequence: 0, ackBitfield: 0 };

/**
 * The receive window's step, pure: the window after `sequence` arrives, and the verdict. The
 * window is the one given where the verdict drops the package.
 *
 * Unlike PyGaSe, a jump by more than one marks the previous newest sequence as received (PyGaSe
 * forgets it, so its ack is never sent), and a package more than 32 behind is dropped instead of
 * raising `IndexError` in the receive loop.
 *
 * @internal
 */
export function receiveSequence(
  window: ReceiveWindow,
  sequence: number,
): { window: ReceiveWindow; verdict: ReceiveVerdict } {
  const tracker = new ReceiveTracker(window);
  const verdict = tracker.take(sequence);
  return { window: verdict === 'new' || verdict === 'late' ? tracker.window() : window, verdict };
}

/**
 * A receive window whose numbers are fields of an object that holds it: a {@link ReceiveTracker},
 * or an exchange, which has them among its own so that a package and an ack reach for one object
 * less. `ackBits` is the ack bitfield as a signed 32-bit integer: as the unsigned number it is on
 * the wire it is past 2^31 whenever its top bit is set (the package before the newest arrived,
 * nearly always), and a field holding such a number holds it in an object of its own.
 *
 * @internal
 */
export interface WindowFields {
  /** The newest sequence number received; 0 before any. */
  remoteSequence: number;
  /** Which of the 32 sequence numbers before it arrived, as an int32: bit 31 = remoteSequence - 1. */
  ackBits: number;
}

/**
 * The receive window's step on a window held in fields: takes `sequence` into it unless the
 * verdict drops its package. {@link receiveSequence} is its pure form.
 *
 * @internal
 */
export function takeSequence(window: WindowFields, sequence: number): ReceiveVerdict {
  const { remoteSequence, ackBits } = window;
  if (sequence === 0) return 'stale';
  if (remoteSequence === 0) {
    window.remoteSequence = sequence;
    window.ackBits = 0;
    return 'new';
  }
  const ahead = sqnDiff(sequence, remoteSequence);
  if (ahead > 0) {
    // Shift the window on by `ahead`; the old newest is now `ahead` behind, its bit set.
    const shifted = ahead >= ACK_BITFIELD_SIZE ? 0 : ackBits >>> ahead;
    const oldNewest = ahead <= ACK_BITFIELD_SIZE ? bitAt(ACK_BITFIELD_SIZE - ahead) : 0;
    window.remoteSequence = sequence;
    window.ackBits = shifted | oldNewest;
    return 'new';
  }
  if (ahead === 0) return 'duplicate';
  const behind = -ahead;
  if (behind > ACK_BITFIELD_SIZE) return 'stale';
  const bit = bitAt(ACK_BITFIELD_SIZE - behind);
  if ((ackBits & bit) !== 0) return 'duplicate';
  window.ackBits = ackBits | bit;
  return 'late';
}

/**
 * The receive window as a step that keeps its numbers in its own fields: a peer's window changes
 * with every package, and a window object made for each would be one more object apart for the
 * peer to reach for, with the next package and with the next ack it sends. {@link
 * receiveSequence} is its pure form.
 *
 * @internal
 */
export class ReceiveTracker implements WindowFields {
  remoteSequence: number;
  ackBits: number;

  constructor(window: ReceiveWindow = EMPTY_WINDOW) {
    this.remoteSequence = window.remoteSequence;
    this.ackBits = window.ackBitfield | 0;
  }

  /** Which of the 32 sequence numbers before the newest arrived: bit 31 = remoteSequence - 1. */
  get ackBitfield(): number {
    return this.ackBits >>> 0;
  }

  /** Takes `sequence` into the window, unless the verdict drops its package. */
  take(sequence: number): ReceiveVerdict {
    return takeSequence(this, sequence);
  }

  /** The window as it is now, as an object of its own. */
  window(): ReceiveWindow {
    return { remoteSequence: this.remoteSequence, ackBitfield: this.ackBits >>> 0 };
  }
}

/**
 * Runs received packages through the receive window: remote sequence number plus a 32-bit ack
 * bitfield. New and late packages pass, each with the window after it; duplicates and stale
 * packages are dropped and reported to `onDropped`.
 *
 * Informally: every package at most once, and what to ack in the next header.
 *
 * ## Example
 * ```ts
 * packages$.pipe(trackReceived((verdict) => stats[verdict]++)).subscribe(({ package: p, window }) => {
 *   nextHeader = { sequence: next, ack: window.remoteSequence, ackBitfield: window.ackBitfield };
 * });
 * ```
 *
 * @param onDropped Called with the verdict and the package for each package dropped.
 * @return An operator passing each package seen for the first time, with its window.
 *
 * @category Operators
 */
export function trackReceived<P extends Package>(
  onDropped: (verdict: 'duplicate' | 'stale', pkg: P) => void = () => undefined,
): OperatorFunction<P, Received<P>> {
  return (source) =>
    source.pipe(
      scan((last, pkg: P) => ({ pkg, ...receiveSequence(last.window, pkg.header.sequence) }), {
        pkg: undefined as P | undefined,
        window: EMPTY_WINDOW,
        verdict: 'stale' as ReceiveVerdict,
      }),
      filter(({ pkg, verdict }) => {
        if (verdict === 'new' || verdict === 'late') return true;
        onDropped(verdict, pkg as P);
        return false;
      }),
      map(({ pkg, window, verdict }) => ({ package: pkg as P, window, late: verdict === 'late' })),
    );
}

/** 2 to the `exponent` (0 to 31), unsigned: a bit of the ack bitfield, without a call to pow. */
function bitAt(exponent: number): number {
  return (1 << exponent) >>> 0;
}
