import { catchError, firstValueFrom, map, retry, switchMap, throwError, timer } from 'rxjs';
import type { Observable, SchedulerLike } from 'rxjs';
import { fromFetch } from 'rxjs/fetch';
import {
  AuthRefusedError,
  InvalidArgumentError,
  MatchmakingError,
  NoSuchRoomError,
} from '../protocol/errors';
import type { Reservation, RoomInfo, RoomOptions } from '../protocol/tickets';

/*
 * A client's side of a matchmaker's HTTP endpoint (see the room server's `Matchmaker`): seats
 * asked for, and rooms listed.
 */

/**
 * The `type` under which a client's `errors$` reports a listing of rooms (`Client.rooms$`) that got
 * no answer or a server's error, and is asked again.
 *
 * @category Client
 */
export const ROOMS_ERROR = 'rooms';

/** A client's matchmaker: where it asks for seats and rooms, with its credentials. */
export class Matchmaking {
  /**
   * @param troubled Told of each listing that failed where the next may not (no answer, or a
   *   server error): the listing goes on.
   */
  constructor(
    private readonly options: {
      readonly matchmaker?: string | undefined;
      readonly credentials?: unknown;
      readonly protocol: 'rxgase' | 'pygase';
      readonly scheduler: SchedulerLike;
    },
    private readonly troubled: (error: MatchmakingError) => void = () => undefined,
  ) {}

  /**
   * A seat: `verb` of `name` (a room type, or a room's id for `join`).
   *
   * @throws {@link InvalidArgumentError} If there is no matchmaker, or the client speaks PyGaSe.
   * @throws As {@link requestSeat}.
   */
  seat(
    verb: 'joinOrCreate' | 'create' | 'join',
    name: string,
    options: RoomOptions | undefined,
  ): Promise<Reservation> {
    if (this.options.protocol === 'pygase') {
      throw new InvalidArgumentError(
        "a PyGaSe client cannot join rooms: PyGaSe's protocol has none",
      );
    }
    const body = { credentials: this.options.credentials, ...(options && { options }) };
    return firstValueFrom(requestSeat(this.url(), verb, name, body));
  }

  /** The rooms listed (of `type`, if given), every `periodMs`. */
  rooms$(type: string | undefined, periodMs: number): Observable<RoomInfo[]> {
    return roomsAt(this.url(), type, periodMs, this.options.scheduler, this.troubled);
  }

  private url(): string {
    const url = this.options.matchmaker;
    if (url === undefined) {
      throw new InvalidArgumentError('the client has no matchmaker: give it the option matchmaker');
    }
    return url;
  }
}

/** What a failed request's body says. */
interface Failure {
  readonly error?: unknown;
  readonly code?: unknown;
}

/**
 * A seat from the matchmaker at `base`: `verb` (`joinOrCreate`, `create`, `join`) of `name` (a
 * room type, or a room's id).
 *
 * @throws {@link NoSuchRoomError} If there is no such type or room, or it is full.
 * @throws {@link AuthRefusedError} If the matchmaker's `auth` refused the credentials.
 * @throws {@link MatchmakingError} If the request failed otherwise, or the answer is not a seat.
 */
export function requestSeat(
  base: string,
  verb: 'joinOrCreate' | 'create' | 'join',
  name: string,
  body: { readonly options?: unknown; readonly credentials?: unknown },
): Observable<Reservation> {
  const url = `${trimmed(base)}/matchmake/${verb}/${encodeURIComponent(name)}`;
  return answerOf(
    url,
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
    name,
  ).pipe(
    map((answer) => {
      if (!isReservation(answer)) {
        throw new MatchmakingError(`the matchmaker at ${base} answered no seat`, 200);
      }
      return answer;
    }),
  );
}

/**
 * The rooms the matchmaker at `base` lists (of `type`, if given), every `periodMs`. A listing that
 * got no answer or a server's error (5xx: a matchmaker restarting, a proxy between) is told to
 * `troubled` and asked again a period later; what the matchmaker refuses (an unknown type, bad
 * credentials) or answers that is no listing ends it, with the error.
 */
export function roomsAt(
  base: string,
  type: string | undefined,
  periodMs: number,
  scheduler: SchedulerLike,
  troubled: (error: MatchmakingError) => void = () => undefined,
): Observable<RoomInfo[]> {
  const url = `${trimmed(base)}/rooms${type === undefined ? '' : `/${encodeURIComponent(type)}`}`;
  return timer(0, periodMs, scheduler).pipe(
    switchMap(() => answerOf(url, { method: 'GET' }, type ?? '')),
    map((answer) => {
      if (!Array.isArray(answer)) {
        throw new MatchmakingError(`the matchmaker at ${base} listed no rooms`, 200);
      }
      return answer as RoomInfo[];
    }),
    retry({
      delay: (error: unknown) => {
        if (!isPassing(error)) return throwError(() => error);
        troubled(error);
        return timer(periodMs, scheduler);
      },
    }),
  );
}

/** A failure the next request may not meet: no answer, or a server's error. */
function isPassing(error: unknown): error is MatchmakingError {
  return error instanceof MatchmakingError && (error.status === 0 || error.status >= 500);
}

/** The JSON an HTTP request answers, or the error its failure names. */
function answerOf(url: string, init: RequestInit, name: string): Observable<unknown> {
  return fromFetch(url, {
    ...init,
    selector: async (response) => ({ status: response.status, body: await jsonOf(response) }),
  }).pipe(
    catchError((error: unknown) =>
      throwError(
        () =>
          new MatchmakingError(`no answer from ${url}: ${(error as Error).message}`, 0, {
            cause: error,
          }),
      ),
    ),
    map(({ status, body }) => {
      if (status === 200) return body;
      const { error, code } = (body ?? {}) as Failure;
      const message = `the matchmaker refused: ${typeof error === 'string' ? error : status}`;
      if (code === 'ERR_NO_SUCH_ROOM') throw new NoSuchRoomError(message, name);
      if (code === 'ERR_AUTH_REFUSED') throw new AuthRefusedError(message);
      throw new MatchmakingError(message, status);
    }),
  );
}

async function jsonOf(response: Response): Promise<unknown> {
  try {
    return await response.json();
  } catch {
    return undefined;
  }
}

function trimmed(base: string): string {
  return base.endsWith('/') ? base.slice(0, -1) : base;
}

/** Whether `value` has a reservation's fields, as a room server gives them. */
export function isReservation(value: unknown): value is Reservation {
  const seat = value as Partial<Reservation> | null;
  return (
    typeof seat === 'object' &&
    seat !== null &&
    typeof seat.roomId === 'string' &&
    typeof seat.ticket === 'string' &&
    typeof seat.address?.host === 'string' &&
    typeof seat.address.port === 'number'
  );
}
