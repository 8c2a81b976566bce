import { InvalidArgumentError } from '../protocol/errors';

/**
 * Checks a numeric option given to a constructor: a finite number of at least `min` (above 0 when
 * `min` is 0), and a whole one where `whole` says so. A limit that is `NaN`, negative or a string
 * would otherwise pass every comparison silently and turn the limit off, or block everything.
 *
 * @param name The option's name, for the message (`maxPendingEvents`, `rateLimit.burst`).
 * @throws {@link InvalidArgumentError} If it is not.
 */
export function checkPositive(
  name: string,
  value: unknown,
  { whole = false, min = 0 }: { readonly whole?: boolean; readonly min?: number } = {},
): void {
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < min ||
    value <= 0 ||
    (whole && !Number.isInteger(value))
  ) {
    const shown =
      typeof value === 'number' ? String(value) : value === null ? 'null' : `a ${typeof value}`;
    const what = whole ? 'a whole number' : 'a finite number';
    throw new InvalidArgumentError(
      `${name} must be ${what} ${min > 0 ? `of at least ${min}` : 'above 0'}, got ${shown}`,
    );
  }
}

/**
 * Checks a switch given to a constructor: `true` or `false`. A string such as `'false'` would
 * otherwise read as true.
 *
 * @param name The option's name, for the message (`remoteShutdown`).
 * @throws {@link InvalidArgumentError} If it is not.
 */
export function checkBoolean(name: string, value: unknown): void {
  if (typeof value !== 'boolean') {
    const shown =
      typeof value === 'string'
        ? `${JSON.stringify(value)} (a string)`
        : value === null
          ? 'null'
          : typeof value === 'object' || typeof value === 'function'
            ? `a ${typeof value}`
            : String(value);
    throw new InvalidArgumentError(`${name} must be true or false, got ${shown}`);
  }
}

/** The longest delay a timer of Node's takes, in ms: a longer one fires at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Checks a duration in ms: a number from 0 to {@link MAX_TIMER_MS}. `Infinity` or a larger number
 * would fire Node's timer at once, and `NaN` or a string would too.
 *
 * @param name The argument's or option's name, for the message (`timeoutMs`, `readIntervalMs`).
 * @throws {@link InvalidArgumentError} If it is not.
 */
export function checkTimeout(name: string, value: unknown): void {
  if (typeof value !== 'number' || !(value >= 0 && value <= MAX_TIMER_MS)) {
    throw new InvalidArgumentError(
      `${name} must be a number from 0 to ${MAX_TIMER_MS}, got ${String(value)}`,
    );
  }
}

/**
 * Checks a `logger` option: undefined, or an object with the four functions of a `Logger`.
 * One without them would fail only once the server runs, with its socket bound.
 *
 * @throws {@link InvalidArgumentError} If it is not.
 */
export function checkLogger(logger: unknown): void {
  if (logger === undefined) return;
  const levels = ['debug', 'info', 'warn', 'error'] as const;
  const missing =
    typeof logger === 'object' && logger !== null
      ? levels.filter((level) => typeof (logger as Record<string, unknown>)[level] !== 'function')
      : levels;
  if (missing.length > 0) {
    throw new InvalidArgumentError(
      `logger must have the functions debug, info, warn and error; it lacks ${missing.join(', ')}`,
    );
  }
}

/**
 * Checks a `scheduler` option: an RxJS `SchedulerLike`, with `now` and `schedule`.
 *
 * @throws {@link InvalidArgumentError} If it is not.
 */
export function checkScheduler(scheduler: unknown): void {
  const given = scheduler as { now?: unknown; schedule?: unknown } | null | undefined;
  if (typeof given?.now !== 'function' || typeof given.schedule !== 'function') {
    throw new InvalidArgumentError('scheduler must be an RxJS SchedulerLike');
  }
}
