import { asyncScheduler } from 'rxjs';
import type { Observable, SchedulerLike, Subscription } from 'rxjs';
import { DEFAULT_INTERPOLATION_DELAY_MS } from '../operators/interpolate';
import { InvalidArgumentError } from '../protocol/errors';

/**
 * How long a {@link StateHistory} keeps states, unless told: 1 s, past a round trip of 250 ms and
 * an interpolation delay of 100 with room to spare.
 *
 * @category Server/Backend
 */
export const DEFAULT_HISTORY_MS = 1000;

/** A state and when it became the state. */
interface Entry<S> {
  readonly at: number;
  readonly state: S;
}

/**
 * The recent states of a game, each with when it became the state: what the server needs for lag
 * compensation, to judge a player's action (a shot, a tag) against the state the player saw when
 * it acted rather than the state now. A player sees the world a round trip and its interpolation
 * delay late: its action, arriving now, was made looking at the state of
 * `now - latency - interpolationDelay` ({@link seenBy}).
 *
 * ## Example
 * ```ts
 * const history = new StateHistory(backend.gameStateStore.state$);
 * // In a handler: the state the shooter saw, by its connection's latency.
 * const latency = backend.server.connections.get(addressKey(clientAddress))?.currentLatency ?? 0;
 * const seen = history.seenBy(latency);
 * ```
 *
 * @typeParam S The state.
 * @category Server/Backend
 */
export class StateHistory<S> {
  private readonly entries: Entry<S>[] = [];
  private readonly scheduler: SchedulerLike;
  private readonly keepMs: number;
  private readonly subscription: Subscription;

  /**
   * Starts keeping the states of `state$` (a store's `state$`, which gives the current state at
   * once).
   *
   * @param options.keepMs How long to keep a state once a newer one came, in ms; default 1,000.
   * @param options.scheduler Whose clock times the states: the game loop's; default
   *   `asyncScheduler`.
   * @throws {@link InvalidArgumentError} If `keepMs` is not a finite number of 0 or more.
   */
  constructor(
    state$: Observable<S>,
    options: { readonly keepMs?: number; readonly scheduler?: SchedulerLike } = {},
  ) {
    this.keepMs = options.keepMs ?? DEFAULT_HISTORY_MS;
    if (!(Number.isFinite(this.keepMs) && this.keepMs >= 0)) {
      throw new InvalidArgumentError(
        `keepMs must be a finite number of 0 or more, got ${this.keepMs}`,
      );
    }
    this.scheduler = options.scheduler ?? asyncScheduler;
    this.subscription = state$.subscribe((state) => this.keep(state));
  }

  /**
   * The state as it was at `time` (ms of the scheduler's clock): the last one that became the
   * state at or before it. Before the oldest kept, the oldest; undefined when none came yet.
   */
  at(time: number): S | undefined {
    const entries = this.entries;
    // Newest first: the moments asked for are recent.
    for (let i = entries.length - 1; i >= 0; i--) {
      const entry = entries[i] as Entry<S>;
      if (entry.at <= time) return entry.state;
    }
    return entries[0]?.state;
  }

  /**
   * The state a client saw when it acted, its action arriving now: the state of
   * `now - latencyMs - interpolationDelayMs`. The client drew states `interpolationDelayMs`
   * behind the newest it had, which left the server half a round trip before, and its action
   * took the other half to come.
   *
   * @param latencyMs The client's round trip time (its connection's `currentLatency`).
   * @param interpolationDelayMs The client's `interpolate` delay; default 100, its default.
   */
  seenBy(latencyMs: number, interpolationDelayMs = DEFAULT_INTERPOLATION_DELAY_MS): S | undefined {
    return this.at(this.scheduler.now() - latencyMs - interpolationDelayMs);
  }

  /** States kept now. */
  get size(): number {
    return this.entries.length;
  }

  /** Stops keeping states, and lets go of those kept. */
  close(): void {
    this.subscription.unsubscribe();
    this.entries.length = 0;
  }

  private keep(state: S): void {
    const now = this.scheduler.now();
    const entries = this.entries;
    entries.push({ at: now, state });
    // A state is needed while the one after it is younger than keepMs: it answers until then.
    let drop = 0;
    while (drop < entries.length - 1 && (entries[drop + 1] as Entry<S>).at < now - this.keepMs) {
      drop++;
    }
    if (drop > 0) entries.splice(0, drop);
  }
}
