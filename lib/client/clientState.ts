import {
  BehaviorSubject,
  NEVER,
  filter,
  firstValueFrom,
  map,
  merge,
  scan,
  throwError,
  timeout,
} from 'rxjs';
import type { Observable, SchedulerLike, Subscription } from 'rxjs';
import { WaitTimeoutError } from '../protocol/errors';
import { isNewer } from '../protocol/sequence';
import type { UpdatePayload } from '../protocol/packages';
import { applyUpdate } from '../state/applyUpdate';
import type { GameState } from '../state/gameState';
import { createGameState } from '../state/gameState';
import { materialize } from '../state/values';

/**
 * The game state as a client knows it: the server's, as of its last update, and the waits on it.
 * A `Client` holds one across its connections.
 */
export class ClientState<S extends GameState<object>> {
  /** The state, and each one after it. */
  readonly state$: Observable<S>;

  private readonly current$ = new BehaviorSubject<S>(createGameState({}) as S);
  private whole = false;

  constructor(private readonly scheduler: SchedulerLike) {
    this.state$ = this.current$.asObservable();
  }

  /** The current state. */
  get value(): S {
    return this.current$.value;
  }

  /** Whether the whole state came from the server, since the last {@link reset}. */
  get hasState(): boolean {
    return this.whole;
  }

  /** Forgets the state: a new connection starts from none, and the server sends it whole. */
  reset(): void {
    this.whole = false;
    this.current$.next(createGameState({}) as S);
  }

  /**
   * Keeps the state, but takes the next update as the whole state: a connection that resumes
   * after a drop gets it whole again from a server with no record of what the client holds.
   */
  rebase(): void {
    this.whole = false;
  }

  /**
   * Applies each update of `updates$` to the state, the first as the whole state, and any marked
   * `whole` (newer than the state) in place of it.
   */
  follow(
    updates$: Observable<{ readonly update: UpdatePayload; readonly whole: boolean }>,
  ): Subscription {
    return updates$
      .pipe(
        scan((state: S, { update, whole }) => this.take(state, update, whole), this.current$.value),
      )
      .subscribe((state) => this.current$.next(state));
  }

  /**
   * Runs `fn` on the state, and again on each new state while it throws; resolves with what it
   * returns the first time it does not throw.
   *
   * @param failure$ Ends the wait early when it errors: the connection closed, say.
   * @throws {@link WaitTimeoutError} If it still throws after `timeoutMs`.
   */
  tryTo<R>(
    fn: (state: S) => R,
    timeoutMs: number,
    failure$: Observable<never> = NEVER,
  ): Promise<R> {
    let lastError: unknown;
    return firstValueFrom(
      merge(this.current$, failure$).pipe(
        map((state) => {
          try {
            return { ok: true as const, value: fn(state) };
          } catch (error) {
            lastError = error;
            return { ok: false as const };
          }
        }),
        filter((attempt): attempt is { ok: true; value: R } => attempt.ok),
        map((attempt) => attempt.value),
        timeout({
          first: timeoutMs,
          with: () =>
            throwError(
              () =>
                new WaitTimeoutError(`still not possible after ${timeoutMs} ms`, {
                  cause: lastError,
                }),
            ),
          scheduler: this.scheduler,
        }),
      ),
    );
  }

  /** The client's state after an update: the first is the whole state, taken as it is. */
  private take(state: S, update: UpdatePayload, whole: boolean): S {
    if (this.whole && !whole) return applyUpdate(state, update);
    if (this.whole && !isNewer(update.time_order, state.time_order)) return state;
    this.whole = true;
    return materialize(update) as S;
  }
}
