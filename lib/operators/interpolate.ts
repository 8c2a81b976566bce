import { Observable, asyncScheduler, interval } from 'rxjs';
import type { OperatorFunction, SchedulerLike } from 'rxjs';
import { InvalidArgumentError } from '../protocol/errors';

/**
 * How far behind the newest state {@link interpolate} draws, unless told: 100 ms, four packages at
 * 40 Hz, so that one late or lost package still leaves a state to move towards.
 *
 * @category Operators
 */
export const DEFAULT_INTERPOLATION_DELAY_MS = 100;

/**
 * How often {@link interpolate} draws, unless told: every 16 ms, about 60 frames a second.
 *
 * @category Operators
 */
export const DEFAULT_FRAME_MS = 16;

/**
 * What {@link interpolate} is given.
 *
 * @typeParam S The states.
 * @category Operators
 */
export interface InterpolateOptions<S> {
  /**
   * The state a fraction `t` (0 to 1) of the way from `from` to `to`: your game's blend of its own
   * types (positions mixed, the rest taken from `to`, say).
   */
  readonly lerp: (from: S, to: S, t: number) => S;
  /** How far behind the newest state to draw, in ms; default 100. */
  readonly delayMs?: number;
  /**
   * Where frames are timed and time is read; default `asyncScheduler`. In a browser,
   * `animationFrameScheduler` with `frameMs: 0` draws once each animation frame.
   */
  readonly scheduler?: SchedulerLike;
  /** How often to draw, in ms of the scheduler; default 16. */
  readonly frameMs?: number;
  /**
   * When a state was the server's, in ms of the scheduler's clock; default when it arrived
   * (`arrivedAt`). A game whose state carries the server's time can give it here, so that
   * arrival jitter does not show.
   */
  readonly timeOf?: (state: S, arrivedAt: number) => number;
}

/** A state and the time it stands for. */
interface Snapshot<S> {
  readonly at: number;
  readonly state: S;
}

/**
 * Draws the states a fixed delay behind the newest one, blended between the two around that
 * moment, on every frame: movement that arrives in 40 Hz steps, and with jitter, shows smoothly.
 * Each frame, the moment drawn is the scheduler's now less `delayMs`; the states just before and
 * after it are blended with `lerp`, by how far between their times it is. Before the second state
 * came, and when none newer than the moment has (the link stalled), the last state reached is
 * held, drawn once, never guessed ahead. A state whose time is before the newest one's is
 * dropped, and one of the same time replaces it. When the source completes, its last state is drawn (if it was not) and the stream
 * completes.
 *
 * Informally: `state$` as a film running `delayMs` behind, with frames in between.
 *
 * ## Example
 * ```ts
 * const lerp = (a: Ball, b: Ball, t: number): Ball => ({ ...b, x: a.x + (b.x - a.x) * t });
 * client.state$
 *   .pipe(interpolate({ lerp, scheduler: animationFrameScheduler, frameMs: 0 }))
 *   .subscribe(draw);
 * ```
 *
 * @return An operator from the states as they arrive to the states to draw, one a frame while
 *   moving; it completes and errs as its source does, and errs with what `lerp` or `timeOf`
 *   throws.
 * @throws {@link InvalidArgumentError} If `lerp` is not a function, or `delayMs` or `frameMs` is
 *   not a finite number of 0 or more.
 *
 * @category Operators
 */
export function interpolate<S>(options: InterpolateOptions<S>): OperatorFunction<S, S> {
  const {
    lerp,
    delayMs = DEFAULT_INTERPOLATION_DELAY_MS,
    scheduler = asyncScheduler,
    frameMs = DEFAULT_FRAME_MS,
    timeOf = (_state: S, arrivedAt: number) => arrivedAt,
  } = options ?? ({} as InterpolateOptions<S>);
  if (typeof lerp !== 'function') {
    throw new InvalidArgumentError('interpolate needs a lerp function: (from, to, t) => state');
  }
  for (const [name, value] of [
    ['delayMs', delayMs],
    ['frameMs', frameMs],
  ] as const) {
    if (!(Number.isFinite(value) && value >= 0)) {
      throw new InvalidArgumentError(`${name} must be a finite number of 0 or more, got ${value}`);
    }
  }
  return (source) =>
    new Observable<S>((subscriber) => {
      const snapshots: Snapshot<S>[] = [];
      let held: S | undefined;

      const frame = (): void => {
        const moment = scheduler.now() - delayMs;
        // What is wholly behind the moment goes: the last state at or before it stays.
        while (snapshots.length >= 2 && (snapshots[1] as Snapshot<S>).at <= moment) {
          snapshots.shift();
        }
        const [from, to] = snapshots;
        if (from === undefined) return;
        if (to === undefined || moment <= from.at) return hold(from.state);
        held = undefined;
        let blend: S;
        try {
          blend = lerp(from.state, to.state, (moment - from.at) / (to.at - from.at));
        } catch (error) {
          return subscriber.error(error);
        }
        subscriber.next(blend);
      };
      /** Nothing to move towards: the state reached is drawn once, and held. */
      const hold = (state: S): void => {
        if (held === state) return;
        held = state;
        subscriber.next(state);
      };

      const states = source.subscribe({
        next: (state) => {
          let at: number;
          try {
            at = timeOf(state, scheduler.now());
          } catch (error) {
            return subscriber.error(error);
          }
          const newest = snapshots[snapshots.length - 1];
          if (newest !== undefined && !(at >= newest.at)) return;
          // Of two states of one moment (two packages taken at once), the later is the state.
          if (newest !== undefined && at === newest.at) snapshots.pop();
          snapshots.push({ at, state });
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          // The film ends on its last state, drawn if it was not.
          const newest = snapshots[snapshots.length - 1];
          if (newest !== undefined) hold(newest.state);
          subscriber.complete();
        },
      });
      // A source that ended at once leaves nothing more to draw.
      const frames = subscriber.closed ? undefined : interval(frameMs, scheduler).subscribe(frame);
      return () => {
        states.unsubscribe();
        frames?.unsubscribe();
      };
    });
}
