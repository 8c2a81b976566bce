import { Observable } from 'rxjs';
import type { OperatorFunction } from 'rxjs';
import { InvalidArgumentError } from '../protocol/errors';

/**
 * What {@link predict} is given.
 *
 * @typeParam S The states.
 * @typeParam I The player's inputs.
 * @category Operators
 */
export interface PredictOptions<S, I> {
  /** The player's own inputs, as it makes them (and sends them to the server, numbered). */
  readonly inputs: Observable<I>;
  /** The state after one input: the same rule the server's handler applies. */
  readonly apply: (state: S, input: I) => S;
  /** An input's number: numbers grow by input, as the player sends them. */
  readonly sequenceOf: (input: I) => number;
  /**
   * The number of the last input of this player's that the server applied to `state`: the game
   * keeps it in the state (`lastInput` of the player, say), 0 before any.
   */
  readonly acknowledged: (state: S) => number;
}

/**
 * Client-side prediction: the player's own inputs show at once instead of a round trip later.
 * Each input is applied to the state drawn as it is made; each state from the server is drawn
 * with the inputs it has not applied yet (those numbered after its `acknowledged`) applied again
 * on top, so where the server agrees nothing moves, and where it does not (a wall, another
 * player) the state drawn is corrected to the server's. Inputs made before the first state are
 * applied to it when it comes.
 *
 * Informally: the server's word, with what I did since it spoke.
 *
 * ## Example
 * ```ts
 * const moves$ = new Subject<Move>(); // { seq, dx }, sent as they are made
 * const shown$ = client.state$.pipe(
 *   predict({
 *     inputs: moves$,
 *     apply: (state, move) => withPlayerX(state, me, playerX(state, me) + move.dx),
 *     sequenceOf: (move) => move.seq,
 *     acknowledged: (state) => state.players[me]?.lastInput ?? 0,
 *   }),
 * );
 * ```
 *
 * @return An operator from the server's states to the states to draw: one for each state and
 *   each input once the first state came. It completes and errs as its source does; an error of
 *   `inputs`, or what `apply`, `sequenceOf` or `acknowledged` throws, errs it too.
 * @throws {@link InvalidArgumentError} If `inputs` is not an Observable, or `apply`, `sequenceOf`
 *   or `acknowledged` not a function.
 *
 * @category Operators
 */
export function predict<S, I>(options: PredictOptions<S, I>): OperatorFunction<S, S> {
  const { inputs, apply, sequenceOf, acknowledged } = options ?? ({} as PredictOptions<S, I>);
  if (!(inputs instanceof Observable)) {
    throw new InvalidArgumentError("predict needs the player's inputs as an Observable");
  }
  for (const [name, fn] of [
    ['apply', apply],
    ['sequenceOf', sequenceOf],
    ['acknowledged', acknowledged],
  ] as const) {
    if (typeof fn !== 'function')
      throw new InvalidArgumentError(`predict needs ${name}, a function`);
  }
  return (source) =>
    new Observable<S>((subscriber) => {
      /** The inputs the last server state has not applied, oldest first. */
      let pending: I[] = [];
      let shown: S | undefined;
      let shownAny = false;

      const states = source.subscribe({
        next: (state) => {
          try {
            const acked = acknowledged(state);
            pending = pending.filter((input) => sequenceOf(input) > acked);
            shown = pending.reduce(apply, state);
          } catch (error) {
            return subscriber.error(error);
          }
          shownAny = true;
          subscriber.next(shown);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
      const made = subscriber.closed
        ? undefined
        : inputs.subscribe({
            next: (input) => {
              pending.push(input);
              if (!shownAny) return;
              try {
                shown = apply(shown as S, input);
              } catch (error) {
                return subscriber.error(error);
              }
              subscriber.next(shown);
            },
            error: (error: unknown) => subscriber.error(error),
          });
      return () => {
        states.unsubscribe();
        made?.unsubscribe();
      };
    });
}
