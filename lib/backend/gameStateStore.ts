import { BehaviorSubject, Subject, scan } from 'rxjs';
import type { Observable } from 'rxjs';
import { toSqn } from '../protocol/sequence';
import { applyUpdate } from '../state/applyUpdate';
import { diffStates } from '../state/diffStates';
import type { GameState, GameStateUpdate } from '../state/gameState';
import { createGameState } from '../state/gameState';
import { copyData } from '../state/values';

/** How many recent updates the store keeps: PyGaSe's 100. */
export const UPDATE_CACHE_SIZE = 100;

/**
 * Holds the game state and its recent history. Updates pushed to it are applied in order (stale
 * ones change nothing) by a `scan` that feeds `state$`.
 *
 * For a client whose state has `time_order` t, {@link updateSince} gives exactly what the client
 * lacks: the difference between the state at t, which the store still holds for the last 100
 * updates, and the current state; and the whole state when t is 0 or older than that. (PyGaSe
 * sends the sum of the cached updates, which cannot delete a key its client holds and the server
 * no longer does, and sends a late joiner no state at all.)
 *
 * ## Example
 * ```ts
 * const store = new GameStateStore(createGameState({ foo: 0 }));
 * store.state$.subscribe((state) => console.log(state.foo));
 * store.pushUpdate({ time_order: 1, foo: 1 });
 * store.updateSince(0); // the whole state, for a client that has none
 * ```
 */
export class GameStateStore<S extends GameState = GameState> {
  /** The game state, now and after every update. */
  readonly state$: Observable<S>;

  private readonly updates = new Subject<GameStateUpdate>();
  private readonly state: BehaviorSubject<S>;
  private readonly cache: GameStateUpdate[] = [{ time_order: 0 }];
  /** The states the cached updates made, by time_order, for the difference a client needs. */
  private readonly history = new Map<number, S>();
  private readonly cacheSize: number;

  /**
   * @param initialGameState The state before the game begins; default an empty one.
   * @param cacheSize How many recent updates to keep; default 100.
   */
  constructor(initialGameState?: S, cacheSize = UPDATE_CACHE_SIZE) {
    const initial = initialGameState ?? (createGameState({}) as S);
    this.cacheSize = cacheSize;
    this.state = new BehaviorSubject<S>(initial);
    this.state$ = this.state.asObservable();
    this.history.set(initial.time_order, initial);
    this.updates
      .pipe(scan((state: S, update) => applyUpdate(state, update), initial))
      .subscribe((state) => {
        this.history.set(state.time_order, state);
        this.state.next(state);
      });
  }

  /** The current game state. */
  getGameState(): S {
    return this.state.value;
  }

  /** The last updates pushed, oldest first: at most 100, starting with an empty one. */
  getUpdateCache(): readonly GameStateUpdate[] {
    return [...this.cache];
  }

  /**
   * Applies an update to the state and keeps it in the cache. An update whose `time_order` is not
   * newer than the state's is kept but changes nothing, as in PyGaSe.
   *
   * @throws {SequenceRangeError} If `time_order` is not in 0..65535.
   * @throws {InvalidStateError} If the update holds something that is not plain data.
   */
  pushUpdate(update: GameStateUpdate): void {
    toSqn(update.time_order, 'time_order');
    const own = copyData(update) as GameStateUpdate;
    this.cache.push(own);
    if (this.cache.length > this.cacheSize) {
      const dropped = this.cache.shift() as GameStateUpdate;
      if (!this.cache.some((kept) => kept.time_order === dropped.time_order)) {
        this.history.delete(dropped.time_order);
      }
    }
    this.updates.next(own);
  }

  /**
   * What a client whose state has `time_order` `timeOrder` needs to hold the current state: the
   * difference from the state it has, or the whole state when it has none (0) or one the store no
   * longer remembers. When the client is up to date, an update with the current `time_order` and
   * nothing else.
   */
  updateSince(timeOrder: number): GameStateUpdate {
    const current = this.state.value;
    if (timeOrder === current.time_order) return { time_order: timeOrder };
    const known = timeOrder === 0 ? undefined : this.history.get(timeOrder);
    if (known === undefined) return { ...current };
    return diffStates(known, current);
  }
}
