/**
 * What the page draws of the chase: the other players interpolated between the states that came,
 * 100 ms behind, and the player's own dot predicted, where its own moves put it; each switched on
 * and off by the page's toggles. Browser-safe: it imports rxgase's browser build only.
 */
import { Subject, animationFrameScheduler, auditTime, combineLatest, map, switchMap } from 'rxjs';
import type { Observable } from 'rxjs';
import { interpolate, predict } from '../../../lib/browser';
import type { Chase, Player } from '../game';
import { FIELD, fieldPosition } from '../game';
import type { Joined } from '../player';

/** A move of the player's own: its number and where it goes. */
interface Move {
  readonly seq: number;
  readonly position: [number, number];
}

/** The chase a fraction `t` of the way from `from` to `to`: positions blended, the rest `to`'s. */
export function lerpChase(from: Chase, to: Chase, t: number): Chase {
  const players: Record<string, Player> = {};
  for (const [id, player] of Object.entries(to.players)) {
    const before = from.players[id]?.position;
    players[id] =
      before === undefined
        ? player
        : {
            ...player,
            position: [
              before[0] + (player.position[0] - before[0]) * t,
              before[1] + (player.position[1] - before[1]) * t,
            ],
          };
  }
  return { ...to, players };
}

/** `state` with the player `id` at `position`. */
function movedTo(state: Chase, id: string, position: [number, number]): Chase {
  const player = state.players[id];
  if (player === undefined) return state;
  return { ...state, players: { ...state.players, [id]: { ...player, position } } };
}

/** The chase as the page draws it, and the moves that feed its prediction. */
export interface Smoothed {
  /** The state to draw, at most once an animation frame. */
  readonly drawn$: Observable<Chase>;
  /** Moves the player to `position`: a numbered MOVE, shown at once when predicting. */
  moveTo(position: [number, number]): void;
  /** Where the player is as drawn: predicted, or the server's. */
  position(): [number, number] | undefined;
}

/**
 * The chase of `joined`, smoothed as `interpolating$` and `predicting$` say (each `true` or
 * `false`, switchable while playing).
 */
export function smooth(
  joined: Joined,
  interpolating$: Observable<boolean>,
  predicting$: Observable<boolean>,
): Smoothed {
  const me = joined.id;
  const server$ = joined.client.state$;
  const moves = new Subject<Move>();
  let seq = 0;
  let mine: [number, number] | undefined;
  const others$ = interpolating$.pipe(
    switchMap((on) =>
      on
        ? server$.pipe(
            interpolate({ lerp: lerpChase, scheduler: animationFrameScheduler, frameMs: 0 }),
          )
        : server$,
    ),
  );
  const own$ = predicting$.pipe(
    switchMap((on) =>
      on
        ? server$.pipe(
            predict({
              inputs: moves,
              apply: (state, move) => movedTo(state, me, move.position),
              sequenceOf: (move) => move.seq,
              acknowledged: (state) => state.players[me]?.lastMove ?? 0,
            }),
          )
        : server$,
    ),
  );
  const drawn$ = combineLatest([others$, own$]).pipe(
    map(([frame, own]) => {
      mine = own.players[me]?.position;
      return mine === undefined ? frame : movedTo(frame, me, mine);
    }),
    auditTime(0, animationFrameScheduler),
  );
  return {
    drawn$,
    moveTo: (wanted) => {
      // On the field, as the server will put it: the prediction then agrees with it.
      const position = fieldPosition(wanted, joined.client.state.field ?? FIELD);
      if (position === undefined) return;
      seq++;
      joined.move(position, seq);
      moves.next({ seq, position });
    },
    position: () => mine ?? joined.client.state.players[me]?.position,
  };
}
