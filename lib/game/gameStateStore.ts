import { BehaviorSubject, Subject, scan } from 'rxjs';
import type { Observable } from 'rxjs';
import { toSqn } from '../protocol/sequence';
import { applyUpdate } from '../state/applyUpdate';
import type { TouchedKeys } from '../state/diffStates';
import { diffFromAny, diffTouched, touchKeys } from '../state/diffStates';
import type { GameState, GameStateUpdate } from '../state/gameState';
import { createGameState } from '../state/gameState';
import { InvalidStateError } from '../protocol/errors';
import { copyData, isPlainObject } from '../state/values';

/** The state of a client that has none: every key of a full state is new to it. */
const NO_STATE: GameState = createGameState({});

/**
 * How many recent updates the store keeps: PyGaSe's 100.
 *
 * @category Server/Backend
 */
export const UPDATE_CACHE_SIZE = 100;

/**
 * Holds the game state and its recent history. Updates pushed to it are applied in order (stale
 * ones change nothing) by a `scan` that feeds `state$`.
 *
 * For a client that reported `time_order` t, {@link updateSince} gives what brings it to the
 * current state exactly: the difference from every state since t (which the store holds for the
 * last 100 updates), since the client may have applied newer updates while its report travelled;
 * and the whole state when t is 0 or older than that. (PyGaSe sends the sum of the cached updates,
 * which cannot delete a key its client holds and the server no longer does, and sends a late
 * joiner no state at all.)
 *
 * ## Example
 * ```ts
 * const store = new GameStateStore(createGameState({ foo: 0 }));
 * store.state$.subscribe((state) => console.log(state.foo));
 * store.pushUpdate({ time_order: 1, foo: 1 });
 * store.updateSince(0); // the whole state, for a client that has none
 * ```
 *
 * @category Server/Backend
 */
export class GameStateStore<S extends GameState<object> = GameState> {
  /** The game state, now and after every update. */
  readonly state$: Observable<S>;

  private readonly updates = new Subject<GameStateUpdate>();
  private readonly state: BehaviorSubject<S>;
  private readonly cache: GameStateUpdate[] = [{ time_order: 0 }];
  /** The states the cached updates made, by time_order, for the difference a client needs. */
  private readonly history = new Map<number, S>();
  /** The update in the cache that made each state of the history. */
  private readonly madeBy = new Map<number, GameStateUpdate>();
  /** The other way round: the time_order of the state each cached update made. */
  private readonly made = new WeakMap<GameStateUpdate, number>();
  private readonly cacheSize: number;
  /** updateSince's answers for the current state, by the client's time_order. */
  private readonly sinceMemo = new Map<string, GameStateUpdate>();

  /**
   * @param initialGameState The state before the game begins; default an empty one.
   * @param cacheSize How many recent updates to keep; default 100.
   * @throws {@link InvalidStateError} If the initial state is not a plain object of plain data.
   */
  constructor(initialGameState?: S, cacheSize = UPDATE_CACHE_SIZE) {
    const initial = initialGameState ?? (createGameState({}) as S);
    checkUpdate(initial, 'the initial game state');
    copyData(initial); // refuses what is not plain data, at the call
    this.cacheSize = cacheSize;
    this.state = new BehaviorSubject<S>(initial);
    this.state$ = this.state.asObservable();
    this.history.set(initial.time_order, initial);
    this.remember(initial.time_order, this.cache[0] as GameStateUpdate);
    this.updates
      .pipe(scan((state: S, update) => applyUpdate(state, update), initial))
      .subscribe((state) => {
        this.history.set(state.time_order, state);
        this.sinceMemo.clear();
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
   * @throws {@link SequenceRangeError} If `time_order` is not in 0..65535.
   * @throws {@link InvalidStateError} If the update is not a plain object, or holds something that
   *   is not plain data (its `path` says where); the state and the cache stay as they were.
   */
  pushUpdate(update: GameStateUpdate): void {
    checkUpdate(update, 'an update');
    toSqn(update.time_order, 'time_order');
    const own = copyData(update) as GameStateUpdate;
    this.cache.push(own);
    if (this.cache.length > this.cacheSize) {
      // A state is known while the update that made it is cached: the ones after it say what
      // changed since.
      const dropped = this.cache.shift() as GameStateUpdate;
      const madeState = this.made.get(dropped);
      if (madeState !== undefined && this.madeBy.get(madeState) === dropped) {
        this.history.delete(madeState);
        this.madeBy.delete(madeState);
      }
    }
    const before = this.state.value;
    this.updates.next(own);
    if (this.state.value !== before) this.remember(this.state.value.time_order, own);
  }

  /** The state at `timeOrder` was made by `update`. */
  private remember(timeOrder: number, update: GameStateUpdate): void {
    this.madeBy.set(timeOrder, update);
    this.made.set(update, timeOrder);
  }

  /**
   * What a client that reported `timeOrder` needs to hold the current state, whichever state since
   * then it holds: the differences from all of them. A client with no state (0), or one the store
   * no longer remembers, gets the whole state; if full states went to it before (from
   * `fullSince` on) while its report travelled, the whole state also deletes what those held and
   * the current one does not. When the client is up to date, an update with the current
   * `time_order` and nothing else.
   *
   * Deletions of keys a client does not hold are sent only when it may hold them: PyGaSe's client
   * writes a deletion of a key it lacks into its state as the marker's bytes.
   */
  updateSince(timeOrder: number, fullSince?: number): GameStateUpdate {
    const current = this.state.value;
    const known = timeOrder !== 0 && this.history.has(timeOrder);
    const held = fullSince !== undefined && this.history.has(fullSince) ? fullSince : undefined;
    const key = known ? `${timeOrder}` : `0 ${held ?? ''}`;
    // The same object for every client at the same time_order, until the state changes: the server
    // encodes each update once for all of them.
    let update = this.sinceMemo.get(key);
    if (update === undefined) {
      if (known && timeOrder === current.time_order) update = { time_order: timeOrder };
      else if (known) {
        update = diffTouched(this.heldSince(timeOrder), current, this.touchedSince(timeOrder));
      } else if (held !== undefined)
        update = diffFromAny([NO_STATE, ...this.heldSince(held)], current);
      else update = { ...current };
      this.sinceMemo.set(key, update);
    }
    return update;
  }

  /** The keys the updates after the one that made the state at `timeOrder` touched. */
  private touchedSince(timeOrder: number): TouchedKeys {
    const touched: TouchedKeys = new Map();
    for (let i = this.cachedAfter(timeOrder); i < this.cache.length; i++) {
      touchKeys(touched, this.cache[i] as GameStateUpdate);
    }
    return touched;
  }

  /**
   * The states from the one at `timeOrder` on, the current one among them: a client that reported
   * `timeOrder` holds one of them, since it may have applied newer updates while its report
   * travelled. Undefined for a state the store no longer remembers (or never held).
   */
  statesSince(timeOrder: number): readonly S[] | undefined {
    return this.history.has(timeOrder) ? this.heldSince(timeOrder) : undefined;
  }

  /** {@link statesSince} for a state the store remembers. */
  private heldSince(timeOrder: number): S[] {
    const states = new Set<S>([this.history.get(timeOrder) as S]);
    for (let i = this.cachedAfter(timeOrder); i < this.cache.length; i++) {
      const state = this.history.get((this.cache[i] as GameStateUpdate).time_order);
      if (state !== undefined) states.add(state);
    }
    return [...states];
  }

  /** Where in the cache the updates after the state at `timeOrder` (a known one) begin. */
  private cachedAfter(timeOrder: number): number {
    return this.cache.indexOf(this.madeBy.get(timeOrder) as GameStateUpdate) + 1;
  }
}

function checkUpdate(update: unknown, what: string): void {
  if (!isPlainObject(update)) {
    const kind = update === null ? 'null' : Array.isArray(update) ? 'an array' : typeof update;
    throw new InvalidStateError(`${what} must be a plain object with a time_order, got ${kind}`);
  }
}
