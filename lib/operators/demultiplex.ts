import { InvalidArgumentError } from '../protocol/errors';
import { handOn } from '../util/handOn';
import { Observable, from } from 'rxjs';
import type {
  ObservableInput,
  OperatorFunction,
  Subscriber,
  Subscription,
  TeardownLogic,
} from 'rxjs';

/**
 * One group of {@link demultiplex}: the elements of the values with its key, for one subscriber.
 *
 * @typeParam K The key.
 * @typeParam T The values the source emits.
 * @typeParam V The elements the group emits.
 * @category Operators
 */
export type Demultiplexed<K, T, V> = Observable<V> & {
  /** The key of the values it emits. */
  readonly key: K;
  /** The value that opened the group. */
  readonly opening: T;
};

/**
 * How {@link demultiplex} hands values to their groups.
 *
 * @category Operators
 */
export interface DemultiplexOptions<K, T, V> {
  /** What a group emits for a value: its datagram's bytes, say. */
  readonly element: (value: T) => V;
  /**
   * Whether a value that opens a group only opens it, and is not handed to it: the last step of
   * a handshake, which the session it opens has no use for. Asked of opening values only;
   * default: every value is handed on.
   */
  readonly opensOnly?: (value: T) => boolean;
  /**
   * When a group ends, beside its subscriber unsubscribing: the first value of what this returns
   * for the group completes it. Default: a group ends only when unsubscribed from.
   */
  readonly ends?: (group: Demultiplexed<K, T, V>) => ObservableInput<unknown>;
}

/**
 * Splits a stream by key into groups, as `groupBy` does, for a server to hand each peer's
 * datagrams to the peer's own connection: a group is emitted when a value comes with a key that
 * has none, and emits the element of each value with its key until it ends, when its key is
 * forgotten and the next value with it opens a new group.
 *
 * Informally: one socket in, one stream per address out, each ending with its connection.
 *
 * Unlike `groupBy`, a group has one subscriber and no Subject: a value is a key lookup and a call
 * to that subscriber, with nothing allocated. So a group must be subscribed to as it is emitted
 * (a group that is not is dropped, and its opening value with it), and it ends when its
 * subscriber unsubscribes (or `ends` says so, which completes it). When the source errors or
 * completes, so does every group; unsubscribing from the result unsubscribes every group's
 * subscriber too. A callback that throws errors every group and the result.
 *
 * ## Example
 * ```ts
 * transport.datagrams$
 *   .pipe(demultiplex(({ address }) => addressKey(address), { element: ({ data }) => data }))
 *   .subscribe((group) => {
 *     const connection = new Connection({ incoming$: group, remote: group.opening.address, send });
 *     connection.open(); // It unsubscribes when closed: the address may open a new group.
 *   });
 * ```
 *
 * @param keyOf The key of a value: what it is grouped by.
 * @param options The element a group emits for a value, and what ends a group.
 * @return An operator from values to their groups.
 *
 * @category Operators
 */
export function demultiplex<T, K, V>(
  keyOf: (value: T) => K,
  options: DemultiplexOptions<K, T, V>,
): OperatorFunction<T, Demultiplexed<K, T, V>> {
  const { element, opensOnly, ends } = options;
  return (source) =>
    new Observable<Demultiplexed<K, T, V>>((subscriber) => {
      const groups = new Map<K, Group<K, T, V>>();
      const forget = (group: Group<K, T, V>): void => {
        if (groups.get(group.key) === group) groups.delete(group.key);
        group.ending?.unsubscribe();
      };
      /** Takes every group away, for `end` to end each. */
      const endAll = (end: (group: Group<K, T, V>) => void): void => {
        const all = [...groups.values()];
        groups.clear();
        for (const group of all) end(group);
      };
      const fail = (error: unknown): void => {
        endAll((group) => group.error(error));
        subscriber.error(error);
      };
      const open = (key: K, value: T): void => {
        const group = new Group<K, T, V>(key, value, forget);
        groups.set(key, group);
        if (ends !== undefined) {
          group.ending = from(ends(group.observable)).subscribe({
            next: () => {
              forget(group);
              group.complete();
            },
            error: fail,
          });
        }
        subscriber.next(group.observable);
        if (!group.subscribed) return forget(group);
        if (opensOnly?.(value) !== true) group.next(element(value));
      };
      // What a callback throws goes to `fail`, as the source's errors do.
      const listening = source.subscribe(
        handOn(
          (value) => {
            const key = keyOf(value);
            const group = groups.get(key);
            if (group === undefined) open(key, value);
            else group.next(element(value));
          },
          fail,
          () => {
            endAll((group) => group.complete());
            subscriber.complete();
          },
        ),
      );
      return () => {
        listening.unsubscribe();
        endAll((group) => group.unsubscribe());
      };
    });
}

/**
 * A group of {@link demultiplex}: the Observable handed out, and its one subscriber, whom the
 * operator calls directly.
 */
class Group<K, T, V> {
  readonly observable: Demultiplexed<K, T, V>;
  /** What ends the group (`ends`), while it runs. */
  ending: Subscription | undefined;
  private subscriber: Subscriber<V> | undefined;
  private ended = false;

  constructor(
    readonly key: K,
    opening: T,
    forget: (group: Group<K, T, V>) => void,
  ) {
    const subscribe = (subscriber: Subscriber<V>): TeardownLogic => {
      if (this.subscriber !== undefined) {
        subscriber.error(new InvalidArgumentError('a demultiplexed group takes one subscriber'));
        return undefined;
      }
      if (this.ended) {
        subscriber.complete();
        return undefined;
      }
      this.subscriber = subscriber;
      return () => {
        this.subscriber = undefined;
        this.ended = true;
        forget(this);
      };
    };
    this.observable = Object.assign(new Observable<V>(subscribe), { key, opening });
  }

  get subscribed(): boolean {
    return this.subscriber !== undefined;
  }

  next(value: V): void {
    this.subscriber?.next(value);
  }

  error(error: unknown): void {
    this.ended = true;
    this.subscriber?.error(error);
  }

  complete(): void {
    this.ended = true;
    this.subscriber?.complete();
  }

  /** Ends the group without a word to its subscriber, as the result was unsubscribed from. */
  unsubscribe(): void {
    this.ended = true;
    this.subscriber?.unsubscribe();
  }
}
