import { isObservable, lastValueFrom } from 'rxjs';
import type { Observable } from 'rxjs';
import { WaitTimeoutError } from '../protocol/errors';
import { describePredicate, describeState } from './describe';
import type { Stepper } from './stepper';

/**
 * How long the waits of a {@link TestWorld} (`until`, `settle`, `connect`) wait by default, in
 * virtual ms: long, since virtual time costs little.
 *
 * ## Example
 * ```ts
 * // A slow start: twice as long as the default.
 * await world.until(ann, (state) => state.round === 2, 2 * DEFAULT_VIRTUAL_TIMEOUT_MS);
 * ```
 *
 * @category Testing
 */
export const DEFAULT_VIRTUAL_TIMEOUT_MS = 10_000;

/*
 * The waits of a test world: each moves its clock until what it waits for happens, or throws a
 * WaitTimeoutError that says what did not.
 */

/**
 * Awaits a promise, or an observable's completion, while `clock` moves: resolves or rejects as it
 * does.
 *
 * @throws {@link WaitTimeoutError} If it has not settled within `timeoutMs` of virtual time.
 */
export async function settleOn<T>(
  clock: Stepper,
  awaited: PromiseLike<T> | Observable<T>,
  timeoutMs: number,
): Promise<T | undefined> {
  const promise = isObservable(awaited)
    ? lastValueFrom(awaited, { defaultValue: undefined })
    : Promise.resolve(awaited);
  let settled = false;
  const done = promise.then(
    (value) => ((settled = true), value),
    (error: unknown) => {
      settled = true;
      throw error;
    },
  );
  done.catch(() => undefined); // rethrown below, to whoever awaits settle
  if (!(await clock.passUntil(() => settled, timeoutMs))) {
    throw new WaitTimeoutError(`it did not settle within ${timeoutMs} virtual ms`);
  }
  return done;
}

/**
 * Moves `clock` until `condition` holds.
 *
 * @param now The virtual time, for the message.
 * @throws {@link WaitTimeoutError} If it does not hold within `timeoutMs`.
 */
export async function untilHolds(
  clock: Stepper,
  condition: () => boolean,
  timeoutMs: number,
  now: () => number,
): Promise<void> {
  if (await clock.passUntil(condition, timeoutMs)) return;
  throw new WaitTimeoutError(
    `${describePredicate(condition)} did not hold within ${timeoutMs} virtual ms (at ${now()} ms)`,
  );
}

/**
 * Moves `clock` until a state of `states$` satisfies `predicate`: every state is checked as it
 * arrives, so one that lasts no longer than a tick counts too.
 *
 * @param who Whose states they are, for the message.
 * @param now The virtual time, for the message.
 * @return The first state that satisfied `predicate`.
 * @throws {@link WaitTimeoutError} If none did within `timeoutMs`; the message shows the last
 *   state seen, and the predicate's last error is the `cause`.
 */
export async function untilState<S>(
  clock: Stepper,
  states$: Observable<S>,
  predicate: (state: S) => boolean,
  { who, timeoutMs, now }: { readonly who: string; readonly timeoutMs: number; now(): number },
): Promise<S> {
  let last: S | undefined;
  let match: { state: S } | undefined;
  let lastError: unknown;
  const watching = states$.subscribe((state) => {
    last = state;
    if (match !== undefined) return;
    try {
      if (predicate(state)) match = { state };
    } catch (error) {
      lastError = error;
    }
  });
  try {
    await clock.passUntil(() => match !== undefined, timeoutMs);
  } finally {
    watching.unsubscribe();
  }
  if (match !== undefined) return match.state;
  const threw = lastError === undefined ? '' : `; the predicate last threw ${String(lastError)}`;
  throw new WaitTimeoutError(
    `${who} saw no state that satisfies ${describePredicate(predicate)} within ${timeoutMs} virtual ms (at ${now()} ms)${threw}; the last state it saw: ${describeState(last)}`,
    { cause: lastError },
  );
}
