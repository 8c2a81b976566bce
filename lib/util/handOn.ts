import { Observable, Subscriber } from 'rxjs';

/**
 * A subscriber that hands each notification straight to its handlers: for the subscriptions a
 * server makes for each client and calls for each datagram. `source.subscribe({ next, error })`
 * wraps a partial observer twice (a `SafeSubscriber` around a `ConsumerObserver`), a hop, a
 * `try` and a megamorphic call more on every value; this is one object and one call, as RxJS's
 * own operators subscribe (its internal `OperatorSubscriber`).
 *
 * What `next` throws goes to `error`, as an operator's subscriber does with what its project
 * function throws. `complete` defaults to nothing; `error` has no default: each site says what a
 * failure ends. What the `error` and `complete` handlers throw, or `next` throws once the
 * subscriber stopped, is reported as RxJS reports an error no one handles
 * (`config.onUnhandledError`, else thrown asynchronously), as a partial observer's would be:
 * never thrown back into the source that emitted.
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

/**
 * What {@link handTo} hands each value to: an object with a method.
 *
 * @internal
 */
export interface Handler<T> {
  handle(value: T): void;
}

/**
 * {@link handOn} for a handler that is an object with a `handle` method: no function between the
 * subscriber and the object (a bound method is one more object to reach for with each value).
 *
 * @internal
 */
export function handTo<T>(
  handler: Handler<T>,
  error: (error: unknown) => void,
  complete?: () => void,
): Subscriber<T> {
  return new HandTo(handler, error, complete);
}

/**
 * A subscriber that hands each notification to methods of its own, with the handling of
 * {@link handOn} written once: what `take` throws goes to `failed`, as an operator's subscriber
 * does with what its project function throws; what `failed` and `ended` throw is reported as
 * RxJS reports an error no one handles; each is told before the subscriber's teardown runs. For a
 * subscriber of rxgase's own that is the object the values are for (a connection's exchange),
 * with no handler objects between. It is made with no destination: it ends nothing but itself,
 * and its handlers say the rest.
 *
 * @internal
 */
export abstract class Handing<T> extends Subscriber<T> {
  /** Takes a value. */
  protected abstract take(value: T): void;

  /** The source failed, or `take` threw. */
  protected abstract failed(error: unknown): void;

  /** The source completed; by default nothing more than the end of the subscription. */
  protected ended(): void {}

  protected override _next(value: T): void {
    try {
      this.take(value);
    } catch (error) {
      // A handler that ended its own subscription first would have its error dropped as a
      // notification after the end.
      if (this.isStopped) reportUnhandled(error);
      else this.error(error);
    }
  }

  // The handler first, then the teardown, as RxJS's subscribers do: a finalizer that throws
  // cannot keep the handler from being told.
  protected override _error(error: unknown): void {
    try {
      this.failed(error);
    } catch (thrown) {
      reportUnhandled(thrown);
    } finally {
      this.unsubscribe();
    }
  }

  protected override _complete(): void {
    try {
      this.ended();
    } catch (thrown) {
      reportUnhandled(thrown);
    } finally {
      this.unsubscribe();
    }
  }
}

/** {@link Handing} with a function for each notification. */
class HandOn<T> extends Handing<T> {
  constructor(
    private readonly onNext: (value: T) => void,
    private readonly onError: (error: unknown) => void,
    private readonly onComplete: (() => void) | undefined,
  ) {
    super();
  }

  protected take(value: T): void {
    this.onNext(value);
  }

  protected failed(error: unknown): void {
    this.onError(error);
  }

  protected override ended(): void {
    this.onComplete?.();
  }
}

/** {@link Handing} calling a handler's method for each value, not a function. */
class HandTo<T> extends Handing<T> {
  constructor(
    private readonly handler: Handler<T>,
    private readonly onError: (error: unknown) => void,
    private readonly onComplete: (() => void) | undefined,
  ) {
    super();
  }

  protected take(value: T): void {
    this.handler.handle(value);
  }

  protected failed(error: unknown): void {
    this.onError(error);
  }

  protected override ended(): void {
    this.onComplete?.();
  }
}

/**
 * Reports an error as RxJS reports one a subscriber's handler threw: to `config.onUnhandledError`
 * if set, else thrown on a timer of its own. (By a partial observer that rethrows it: RxJS keeps
 * the reporting itself internal.)
 *
 * @internal
 */
export function reportUnhandled(error: unknown): void {
  new Observable<never>((subscriber) => subscriber.error(error)).subscribe({
    error: (reported: unknown) => {
      throw reported;
    },
  });
}
