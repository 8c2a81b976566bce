import { Subscriber } from 'rxjs';

/**
 * A subscriber that hands each notification straight to its handlers: for the subscriptions a
 * server makes for each client and calls for each datagram. `source.subscribe({ next, error })`
 * wraps a partial observer twice (a `SafeSubscriber` around a `ConsumerObserver`), a hop, a
 * `try` and a megamorphic call more on every value; this is one object and one call, as RxJS's
 * own operators subscribe (its internal `OperatorSubscriber`).
 *
 * What `next` throws goes to `error`, as an operator's subscriber does with what its project
 * function throws; `complete` defaults to nothing, `error` has no default: each site says what a
 * failure ends.
 *
 * ## Example
 * ```ts
 * subscriber.add(datagrams$.subscribe(handOn(receive, (error) => subscriber.error(error))));
 * ```
 *
 * @internal
 */
export function handOn<T>(
  next: (value: T) => void,
  error: (error: unknown) => void,
  complete?: () => void,
): Subscriber<T> {
  return new HandOn(next, error, complete);
}

class HandOn<T> extends Subscriber<T> {
  constructor(
    private readonly onNext: (value: T) => void,
    private readonly onError: (error: unknown) => void,
    private readonly onComplete: (() => void) | undefined,
  ) {
    // No destination: this subscriber ends nothing but itself, and its handlers say the rest.
    super();
  }

  protected override _next(value: T): void {
    try {
      this.onNext(value);
    } catch (error) {
      this.error(error);
    }
  }

  protected override _error(error: unknown): void {
    this.unsubscribe();
    this.onError(error);
  }

  protected override _complete(): void {
    this.unsubscribe();
    this.onComplete?.();
  }
}
