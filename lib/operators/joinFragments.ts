import { Observable, asyncScheduler } from 'rxjs';
import type { MonoTypeOperatorFunction, SchedulerLike, Subscription } from 'rxjs';
import { checkPositive } from '../options/checkOption';
import { RxgaseError } from '../protocol/errors';
import type { FragmentPacket } from '../protocol/rxgasePackets';
import {
  DEFAULT_MAX_MESSAGE_SIZE,
  FRAGMENT_PAYLOAD_SIZE,
  PACKET_PREFIX_SIZE,
  PacketKind,
  decodeRxgasePacket,
  isRxgasePacket,
  sameBytes,
} from '../protocol/rxgasePackets';
import { PACKAGE_TIMEOUT_MS } from './resolveAcks';

/**
 * How many messages a connection holds in part at once by default; a fragment of one more
 * supersedes the oldest.
 *
 * @category Operators
 */
export const DEFAULT_MAX_PARTIAL_MESSAGES = 4;

/**
 * Why fragments were dropped: seen before (or of a message already whole), of a message over
 * `maxMessageSize`, over the reassembly budget, or held by a message that expired or was
 * superseded.
 *
 * @category Operators
 */
export type FragmentDrop = 'duplicate' | 'too large' | 'no memory' | 'expired' | 'superseded';

/**
 * The bytes of partial messages that connections may hold together: a server shares one among all
 * its clients, so that no number of clients makes it hold more.
 *
 * @category Operators
 */
export class ReassemblyBudget {
  private held = 0;

  /** @param limit The bytes that may be held at once. */
  constructor(readonly limit: number) {
    checkPositive('maxReassemblyBytes', limit, { whole: true });
  }

  /** The bytes held now. */
  get used(): number {
    return this.held;
  }

  /** Takes `bytes`, if that many are left. */
  take(bytes: number): boolean {
    if (this.held + bytes > this.limit) return false;
    this.held += bytes;
    return true;
  }

  /** Gives back `bytes` taken before. */
  give(bytes: number): void {
    this.held -= bytes;
  }
}

/**
 * How {@link joinFragments} joins. Every optional field says its default.
 *
 * @category Operators
 */
export interface JoinOptions {
  /** The session token fragments must carry; others pass on untouched, and allocate nothing. */
  readonly session: Uint8Array;
  /** The largest data packet joined; default 1 MiB (`DEFAULT_MAX_MESSAGE_SIZE`). */
  readonly maxMessageSize?: number;
  /** How many messages are held in part at once; default 4. */
  readonly maxMessages?: number;
  /** How long a message may take from its first fragment to its last; default 1000 ms. */
  readonly timeoutMs?: number;
  /** Where the bytes held are counted; default a budget of this stream's own. */
  readonly budget?: ReassemblyBudget;
  /** Where time is read and the expiry runs; default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
  /** Told of every fragment dropped, with why: `count` of them at once. */
  readonly dropped?: (count: number, why: FragmentDrop) => void;
}

/** A message held in part. */
interface Partial {
  readonly count: number;
  readonly since: number;
  readonly payloads: (Uint8Array | undefined)[];
  held: number;
  bytes: number;
}

/** How many message ids joined are remembered, so that late copies of their fragments drop. */
const JOINED_REMEMBERED = 16;

/**
 * Joins the rxgase fragments of one session into the data packets they carry; every other
 * datagram passes on as it came, in order, as does a fragment that does not decode or carries
 * another session's token (the decoder after it drops and reports those).
 *
 * Memory is bounded: at most `maxMessages` messages are held in part (a new one supersedes the
 * oldest), none over `maxMessageSize` (known from the first fragment's count, before anything
 * is held), and every byte held is taken from `budget` first: a fragment it has no room for is
 * dropped. A message not whole `timeoutMs` after its first fragment expires, checked as fragments
 * arrive and by one timer while anything is held. Fragments are copied, never kept as views of
 * the datagram. Unsubscribing gives every byte held back.
 *
 * Informally: fragments in, whole packets out, everything else through.
 *
 * ## Example
 * ```ts
 * datagrams$.pipe(
 *   joinFragments({ session, dropped: (count, why) => console.log(count, why) }),
 * ).subscribe((packet) => console.log(decodeRxgasePacket(packet, DEFAULT_MAX_MESSAGE_SIZE)));
 * ```
 *
 * @param options The session, the bounds and the scheduler.
 * @throws {@link InvalidArgumentError} If `maxMessageSize`, `maxMessages` or `timeoutMs` is not a
 *   positive whole number.
 * @return An operator from a session's datagrams to the same with fragments joined; it errors with
 *   what the source or `dropped` throw.
 *
 * @category Operators
 */
export function joinFragments(options: JoinOptions): MonoTypeOperatorFunction<Uint8Array> {
  const {
    session,
    maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE,
    maxMessages = DEFAULT_MAX_PARTIAL_MESSAGES,
    timeoutMs = PACKAGE_TIMEOUT_MS,
    scheduler = asyncScheduler,
  } = options;
  checkPositive('maxMessageSize', maxMessageSize, { whole: true });
  checkPositive('maxMessages', maxMessages, { whole: true });
  checkPositive('timeoutMs', timeoutMs, { whole: true });
  return (source) =>
    new Observable<Uint8Array>((subscriber) => {
      const budget = options.budget ?? new ReassemblyBudget(maxMessages * maxMessageSize);
      const dropped = options.dropped ?? ((): void => undefined);
      /** By message id, the oldest first. */
      const partials = new Map<number, Partial>();
      const joined: number[] = [];
      let sweep: Subscription | undefined;

      const release = (id: number, partial: Partial): void => {
        partials.delete(id);
        budget.give(partial.bytes);
      };
      const expire = (now: number): void => {
        for (const [id, partial] of partials) {
          if (now - partial.since < timeoutMs) break;
          release(id, partial);
          dropped(partial.held, 'expired');
        }
      };
      /** One timer while anything is held, at the time the oldest message expires. */
      const arm = (now: number): void => {
        const [oldest] = partials.values();
        if (oldest === undefined || sweep !== undefined) return;
        sweep = scheduler.schedule(
          () => {
            sweep = undefined;
            try {
              const at = scheduler.now();
              expire(at);
              arm(at);
            } catch (error) {
              subscriber.error(error);
            }
          },
          oldest.since + timeoutMs - now,
        );
      };
      const take = (fragment: FragmentPacket): Uint8Array | undefined => {
        const { messageId, index, count, payload } = fragment;
        const now = scheduler.now();
        expire(now);
        let partial = partials.get(messageId);
        if (partial !== undefined && partial.count !== count) {
          // Another message under the same id, or a lie: the new one supersedes.
          release(messageId, partial);
          dropped(partial.held, 'superseded');
          partial = undefined;
        }
        if (partial === undefined && joined.includes(messageId)) return drop(1, 'duplicate');
        if (partial?.payloads[index] !== undefined) return drop(1, 'duplicate');
        const last = index === count - 1;
        const least = (count - 1) * FRAGMENT_PAYLOAD_SIZE + (last ? payload.length : 1);
        if (least > maxMessageSize) return drop(1, 'too large');
        if (partial === undefined) {
          for (const [id, oldest] of partials) {
            if (partials.size < maxMessages) break;
            release(id, oldest);
            dropped(oldest.held, 'superseded');
          }
          if (!budget.take(payload.length)) return drop(1, 'no memory');
          partial = { count, since: now, payloads: new Array(count), held: 0, bytes: 0 };
          partials.set(messageId, partial);
          arm(now);
        } else if (!budget.take(payload.length)) {
          return drop(1, 'no memory');
        }
        partial.payloads[index] = payload.slice();
        partial.held++;
        partial.bytes += payload.length;
        if (partial.held < count) return undefined;
        release(messageId, partial);
        joined.push(messageId);
        if (joined.length > JOINED_REMEMBERED) joined.shift();
        const packet = new Uint8Array(partial.bytes);
        let offset = 0;
        for (const part of partial.payloads as Uint8Array[]) {
          packet.set(part, offset);
          offset += part.length;
        }
        return packet;
      };
      const drop = (count: number, why: FragmentDrop): undefined => {
        dropped(count, why);
        return undefined;
      };

      subscriber.add(
        source.subscribe({
          next: (datagram) => {
            try {
              const fragment = fragmentOf(datagram, session);
              if (fragment === undefined) return subscriber.next(datagram);
              const packet = take(fragment);
              if (packet !== undefined) subscriber.next(packet);
            } catch (error) {
              subscriber.error(error);
            }
          },
          error: (error: unknown) => subscriber.error(error),
          complete: () => subscriber.complete(),
        }),
      );
      return () => {
        sweep?.unsubscribe();
        for (const [id, partial] of partials) release(id, partial);
      };
    });
}

/** The fragment of `session` a datagram is, if it is one that decodes. */
function fragmentOf(datagram: Uint8Array, session: Uint8Array): FragmentPacket | undefined {
  if (datagram[PACKET_PREFIX_SIZE - 1] !== PacketKind.Fragment || !isRxgasePacket(datagram)) {
    return undefined;
  }
  try {
    const packet = decodeRxgasePacket(datagram);
    return packet.kind === 'fragment' && sameBytes(packet.session, session) ? packet : undefined;
  } catch (error) {
    if (error instanceof RxgaseError) return undefined;
    throw error;
  }
}
