import type { SchedulerLike } from 'rxjs';
import { ReceiveTracker } from '../operators/trackReceived';
import { SEQUENCE_OFFSET } from '../protocol/constants';
import { checkPositive } from '../options/checkOption';
import { InvalidArgumentError } from '../protocol/errors';
import {
  DATA_OVERHEAD,
  EVENT_ID_SIZE,
  MAX_EVENT_IDS,
  PACKET_PREFIX_SIZE,
  PacketKind,
  TOKEN_SIZE,
  isRxgasePacket,
  sameBytes,
} from '../protocol/rxgasePackets';
import { countEvents } from './countEvents';

/**
 * How much one client's session may send the server: packages and events a second, each with a
 * burst, and how long it may flood before it is kicked. Every field says its default.
 *
 * A `Client` sends 40 packages a second, and at most 320 when every package is urgent (an eighth
 * of the 25 ms beat apart, see `paceSends`); a package has room for at most 46 events (the
 * smallest event takes 43 bytes of the 2,020 a data packet has for them). The defaults are twice
 * that, so a real client is never held back, whatever it sends.
 *
 * @category Server/Backend
 */
export interface SessionBudget {
  /** The sustained rate of packages; default 640 a second. */
  readonly packagesPerSecond?: number;
  /** How many packages may come at once above the rate; default 320. At least 1. */
  readonly packageBurst?: number;
  /** The sustained rate of events, counted before they are decoded; default 32,768 a second. */
  readonly eventsPerSecond?: number;
  /**
   * How many events may come at once above the rate; default 4,096. At least 255, the most one
   * rxgase package may carry, so no package is too big to ever pass.
   */
  readonly eventBurst?: number;
  /**
   * How many whole seconds in a row a session may have more than half of its datagrams dropped
   * over budget before it is kicked, with the reason `flooding`; default 3. A whole number.
   */
  readonly floodSeconds?: number;
}

/**
 * The server's default {@link SessionBudget}: 640 packages a second in bursts of 320, 32,768
 * events a second in bursts of 4,096, kicked after 3 seconds of flooding.
 *
 * @category Server/Backend
 */
export const DEFAULT_SESSION_BUDGET: Required<SessionBudget> = {
  packagesPerSecond: 640,
  packageBurst: 320,
  eventsPerSecond: 32_768,
  eventBurst: 4_096,
  floodSeconds: 3,
};

/** The share of a second's datagrams dropped over budget above which that second is a flood. */
export const FLOOD_SHARE = 0.5;

/**
 * Checks a server's `sessionBudget` option: `false`, or an object whose fields, where given, are
 * positive numbers (`packageBurst` at least 1, `eventBurst` at least 255, `floodSeconds` a whole
 * number).
 *
 * @throws {@link InvalidArgumentError} If it is not, naming the field.
 */
export function checkSessionBudget(budget: unknown): void {
  if (budget === false || budget === undefined) return;
  if (typeof budget !== 'object' || budget === null) {
    throw new InvalidArgumentError(
      `sessionBudget must be false or an object, got ${budget === null ? 'null' : `a ${typeof budget}`}`,
    );
  }
  const given = budget as SessionBudget;
  const fields: [keyof SessionBudget, { whole?: boolean; min?: number }][] = [
    ['packagesPerSecond', {}],
    ['packageBurst', { min: 1 }],
    ['eventsPerSecond', {}],
    ['eventBurst', { min: MAX_EVENT_IDS }],
    ['floodSeconds', { whole: true }],
  ];
  for (const [field, rule] of fields) {
    if (given[field] !== undefined) checkPositive(`sessionBudget.${field}`, given[field], rule);
  }
}

/**
 * What a session sent while it flooded, as its meter tells the connection that kicks it.
 *
 * @category Protocol
 */
export interface FloodReport {
  /** Whole seconds in a row with more than half of the datagrams dropped. */
  readonly seconds: number;
  /** Datagrams dropped over budget since the session began, and their events. */
  readonly overBudget: number;
  readonly eventsOverBudget: number;
}

/**
 * Meters one client's session against its {@link SessionBudget}, before anything is decoded: a
 * datagram passes if there is a package token and a token for each of its events
 * (`countEvents`), and takes them; else it is dropped and counted in the connection's
 * `overBudget` and `eventsOverBudget`. A session that floods for `floodSeconds` whole seconds in a
 * row is reported once, to be kicked.
 *
 * Only the session's own traffic is charged: for an rxgase session, data packets with its token,
 * and of those only packages it has not seen (by their sequence number, read from the header).
 * Anything else from its address (a forgery, which its decoder drops) is not, and a package seen
 * before or too old is dropped here, undecoded, as a duplicate or stale: so no one can spend a
 * client's budget by replaying its traffic, and replays cost no decoding. A PyGaSe client has no
 * token: what comes from its address is its own (its sequence numbers are not read, as anyone
 * may forge them), and the server's per-address `rateLimit`, below the budget by default, bounds
 * what a stranger could add in its name.
 *
 * ## Example
 * ```ts
 * const meter = new BudgetMeter(DEFAULT_SESSION_BUDGET, {
 *   scheduler,
 *   session,
 *   onFlood: () => connection.close('flooding'),
 * });
 * if (!meter.admit(datagram, counts)) return; // dropped, and counted
 * ```
 *
 * @category Protocol
 */
export class BudgetMeter {
  // Each client's meter is reached for with each of its datagrams, among thousands of others: its
  // fields are its own (the token buckets and the context's parts inline), so a datagram touches
  // one object of it, not four. Its numbers are kept whole and small: tokens in thousandths, and
  // times in ms since the meter began, where a clock's time since 1970 or a fraction of a token
  // is a number V8 keeps in a box of its own, one more object to reach for with each.
  // What each datagram reaches for comes first, in that order: V8 lays the fields out as they
  // are declared, and the fewer cache lines they span, the fewer trips to memory.
  private readonly session: Uint8Array | undefined;
  private readonly scheduler: SchedulerLike;
  /** When the meter began, on its scheduler's clock: its times count from here. */
  private readonly began: number;
  /** The package tokens in thousandths, up to `packageBurst` tokens, as of `packagesAt`. */
  private packageTokens: number;
  private packagesAt = 0;
  private readonly packagesPerSecond: number;
  private readonly packageBurst: number;
  /** The whole second being tallied, its datagrams and those dropped. */
  private second = -1;
  private received = 0;
  private dropped = 0;
  /** The event tokens in thousandths, up to `eventBurst` tokens, as of `eventsAt`. */
  private eventTokens: number;
  private eventsAt = 0;
  private readonly eventsPerSecond: number;
  private readonly eventBurst: number;
  /** Whole seconds in a row, before this one, that were floods. */
  private streak = 0;
  private reported = false;
  private readonly floodSeconds: number;
  private readonly onFlood: (report: FloodReport) => void;
  /** The sequence numbers of the session's packages seen, as its connection's window holds them. */
  private readonly window = new ReceiveTracker();

  /**
   * @param budget The fields not given take their defaults.
   * @throws {@link InvalidArgumentError} If a field is not a fitting number: see
   *   `checkSessionBudget`.
   */
  constructor(
    budget: SessionBudget,
    context: {
      readonly scheduler: SchedulerLike;
      /** The rxgase session token; none for a PyGaSe client. */
      readonly session?: Uint8Array;
      /** Called once, when the session has flooded for `floodSeconds`. */
      readonly onFlood: (report: FloodReport) => void;
    },
  ) {
    checkSessionBudget(budget);
    const whole = { ...DEFAULT_SESSION_BUDGET, ...budget };
    this.packagesPerSecond = whole.packagesPerSecond;
    this.packageBurst = whole.packageBurst;
    this.eventsPerSecond = whole.eventsPerSecond;
    this.eventBurst = whole.eventBurst;
    this.floodSeconds = whole.floodSeconds;
    this.scheduler = context.scheduler;
    this.session = context.session;
    this.onFlood = context.onFlood;
    this.began = context.scheduler.now();
    this.packageTokens = whole.packageBurst * TOKEN;
    this.eventTokens = whole.eventBurst * TOKEN;
  }

  /**
   * Whether a datagram from the client is to be decoded: within its budget, or not the session's
   * own. One over budget is counted in `counts` (and the flood it may be part of reported); a
   * package of the session seen before or too old, as a duplicate or stale.
   */
  admit(
    datagram: Uint8Array,
    counts: {
      overBudget: number;
      eventsOverBudget: number;
      duplicates: number;
      stale: number;
    },
  ): boolean {
    const session = this.session;
    if (session !== undefined) {
      if (!isDataOf(datagram, session)) return true;
      const sequence = sequenceOf(datagram);
      if (sequence !== undefined) {
        const verdict = this.window.take(sequence);
        if (verdict === 'duplicate' || verdict === 'stale') {
          counts[verdict === 'duplicate' ? 'duplicates' : 'stale']++;
          return false;
        }
      }
    }
    const now = this.scheduler.now() - this.began;
    const events = countEvents(datagram);
    // Most packages carry no event: their bucket is not reached for, and fills all the same
    // when next asked (its tokens count from the last time it was).
    const within = this.hasPackage(now) && (events === 0 || this.hasEvents(events, now));
    if (within) {
      this.packageTokens -= TOKEN;
      if (events > 0) this.eventTokens -= events * TOKEN;
    } else {
      counts.overBudget++;
      counts.eventsOverBudget += events;
    }
    this.tally(!within, now);
    if (!within && !this.reported && this.streak >= this.floodSeconds) {
      this.reported = true;
      this.onFlood({
        seconds: this.streak,
        overBudget: counts.overBudget,
        eventsOverBudget: counts.eventsOverBudget,
      });
    }
    return within;
  }

  /**
   * Whether a package token is there at `nowMs` (since the meter began), the tokens come back
   * since last asked: `rate` a second is `rate` thousandths a millisecond.
   */
  private hasPackage(nowMs: number): boolean {
    const back = Math.max(0, (nowMs - this.packagesAt) * this.packagesPerSecond);
    this.packageTokens = Math.min(this.packageBurst * TOKEN, this.packageTokens + back);
    this.packagesAt = nowMs;
    return this.packageTokens >= TOKEN;
  }

  /** Whether `n` event tokens are there at `nowMs`, as {@link hasPackage}. */
  private hasEvents(n: number, nowMs: number): boolean {
    const back = Math.max(0, (nowMs - this.eventsAt) * this.eventsPerSecond);
    this.eventTokens = Math.min(this.eventBurst * TOKEN, this.eventTokens + back);
    this.eventsAt = nowMs;
    return this.eventTokens >= n * TOKEN;
  }

  /**
   * Counts a datagram in its second (whole seconds since the meter began); a new second settles
   * whether the last was a flood.
   */
  private tally(dropped: boolean, nowMs: number): void {
    const second = Math.floor(nowMs / 1000);
    if (second !== this.second) {
      const flood = this.dropped > this.received * FLOOD_SHARE;
      // A second with nothing in it between breaks the run.
      this.streak = flood && second === this.second + 1 ? this.streak + 1 : 0;
      this.second = second;
      this.received = 0;
      this.dropped = 0;
    }
    this.received++;
    if (dropped) this.dropped++;
  }
}

/** A token, in the thousandths the meter counts in. */
const TOKEN = 1000;

/** The sequence number in the header of the package a data packet carries, if it has one. */
function sequenceOf(datagram: Uint8Array): number | undefined {
  const at =
    DATA_OVERHEAD +
    EVENT_ID_SIZE * (datagram[PACKET_PREFIX_SIZE + TOKEN_SIZE] as number) +
    SEQUENCE_OFFSET;
  if (datagram.length < at + 2) return undefined;
  return ((datagram[at] as number) << 8) | (datagram[at + 1] as number);
}

/** Whether `datagram` is a data packet of the session `session`. */
function isDataOf(datagram: Uint8Array, session: Uint8Array): boolean {
  return (
    datagram.length >= DATA_OVERHEAD &&
    datagram[PACKET_PREFIX_SIZE - 1] === PacketKind.Data &&
    isRxgasePacket(datagram) &&
    sameBytes(datagram.subarray(PACKET_PREFIX_SIZE, PACKET_PREFIX_SIZE + TOKEN_SIZE), session)
  );
}
