import type { SchedulerLike } from 'rxjs';
import { PackageOverflowError, StateTooLargeError } from '../protocol/errors';
import { MsgpackEncoder } from '../protocol/msgpackEncoder';
import type { GameStateUpdate } from '../state/gameState';

/**
 * How long the game state may stay unsendable to a client before its connection is closed: one
 * second, 40 beats of its packages. A state that grew for a moment and shrank again (a burst of
 * joins, a one-tick spike) passes; a state that stays too large ends the connection with a reason
 * long before the client's 5 s of silence would.
 *
 * @category Server/Backend
 */
export const UNSENDABLE_STATE_GRACE_MS = 1000;

/** The most bytes an update is measured to: past it, the log says "more than". */
const MEASURE_LIMIT = 64 * 1024 * 1024;

/** Why a client's package could not carry the update it needs. */
export interface Unsendable {
  readonly update: GameStateUpdate;
  /** The bytes a package to the client has for the update. */
  readonly room: number;
  /** The update's encoded size when known: it encoded, but is larger than `room`. */
  readonly size?: number;
  /** What the encoder threw, when it did not encode. */
  readonly error?: unknown;
}

/** What a {@link StateWatch} does when the state cannot be sent. */
export interface StateWatchHooks {
  /** Whether a cause (an error code) is to be reported: the first time for the client. */
  readonly firstTime: (cause: string) => boolean;
  /** A cause reported. */
  readonly report: (error: Error) => void;
  /** The state stayed unsendable for the grace: the client is to be let go, with this error. */
  readonly giveUp: (error: Error) => void;
}

/**
 * Watches whether a client's packages can carry the game state it needs: the first failure of a
 * kind is reported, and a client the state stayed unsendable to for `graceMs` is given up on. A
 * package that goes out ends the streak.
 */
export class StateWatch {
  private since: number | undefined;
  private gaveUp = false;

  constructor(
    private readonly scheduler: SchedulerLike,
    private readonly hooks: StateWatchHooks,
    private readonly graceMs = UNSENDABLE_STATE_GRACE_MS,
  ) {}

  /** A package carried the update. */
  sent(): void {
    this.since = undefined;
  }

  /** A package could not carry the update. */
  failed(unsendable: Unsendable): void {
    const now = this.scheduler.now();
    this.since ??= now;
    let error: Error | undefined;
    if (this.hooks.firstTime(causeOf(unsendable))) {
      error = errorOf(unsendable);
      this.hooks.report(error);
    }
    if (this.gaveUp || now - this.since < this.graceMs) return;
    this.gaveUp = true;
    const last = error ?? errorOf(unsendable);
    // Not from within the package being written: the connection closes on the next turn.
    this.scheduler.schedule(() => this.hooks.giveUp(last));
  }
}

/** How many clients' causes a server remembers: the oldest is forgotten first. */
const REMEMBERED = 4096;

/**
 * The causes reported for each client address: a client is told of once per cause, across its
 * connections (a PyGaSe client whose connection was dropped comes back with its next package).
 */
export class ReportedCauses {
  private readonly reported = new Set<string>();

  /** Whether `cause` is new for the client at `key`; it is remembered from now. */
  firstTime(key: string, cause: string): boolean {
    const entry = `${key} ${cause}`;
    if (this.reported.has(entry)) return false;
    if (this.reported.size >= REMEMBERED) {
      this.reported.delete(this.reported.values().next().value as string);
    }
    this.reported.add(entry);
    return true;
  }
}

function causeOf({ size, error }: Unsendable): string {
  if (size !== undefined || error instanceof PackageOverflowError) return 'ERR_STATE_TOO_LARGE';
  return (error as { code?: string } | undefined)?.code ?? 'unknown';
}

/** The error to report: a {@link StateTooLargeError} with the sizes, or what the encoder threw. */
function errorOf(unsendable: Unsendable): Error {
  const { room, error } = unsendable;
  if (unsendable.size === undefined && !(error instanceof PackageOverflowError)) {
    return error instanceof Error ? error : new Error(String(error));
  }
  const size = unsendable.size ?? measure(unsendable.update);
  const told = size > MEASURE_LIMIT ? `more than ${MEASURE_LIMIT}` : `${size}`;
  return new StateTooLargeError(
    `the game state update takes ${told} bytes encoded, a package has room for ${room}`,
    size,
    room,
    error === undefined ? undefined : { cause: error },
  );
}

/** The update's encoded size, up to {@link MEASURE_LIMIT}: past it, `Infinity`. */
function measure(update: GameStateUpdate): number {
  const encoder = new MsgpackEncoder();
  for (let limit = 16 * 1024; limit <= MEASURE_LIMIT; limit *= 4) {
    try {
      return encoder.encode(update, limit).length;
    } catch (error) {
      if (!(error instanceof PackageOverflowError)) throw error;
    }
  }
  return Infinity;
}
