import { createServer } from 'node:http';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AuthRefusedError,
  InvalidArgumentError,
  InvalidStateError,
  MatchmakingError,
  NoSuchRoomError,
  RxgaseError,
} from '../protocol/errors';
import type { Reservation, RoomInfo } from '../protocol/tickets';
import { checkHostname, checkPort } from '../transport/checkAddress';
import type { Address } from '../transport/datagram';
import type { Logger } from '../util/logger';
import type { RoomOptions } from './roomDefinition';

/**
 * Where a matchmaker gets its seats: a `RoomServer` (its own process), or a `RoomCluster` (every
 * process of the cluster).
 *
 * @category Rooms
 */
export interface SeatSource {
  /** A seat for `clientId` in a room of `type` with one, or in a new one made with `options`. */
  joinOrCreate(type: string, options: RoomOptions, clientId: string): Promise<Reservation>;
  /** A seat for `clientId` in a new room of `type`. */
  create(type: string, options: RoomOptions, clientId: string): Promise<Reservation>;
  /** A seat for `clientId` in room `roomId`. */
  join(roomId: string, clientId: string): Reservation | Promise<Reservation>;
  /** The rooms. */
  list(): RoomInfo[] | Promise<RoomInfo[]>;
}

/** The largest request body the matchmaker reads: 64 KiB. */
export const MAX_MATCHMAKER_BODY = 64 * 1024;

/**
 * What a matchmaker is made of.
 *
 * @category Rooms
 */
export interface MatchmakerOptions {
  /**
   * Checks a player's credentials (what its client sends: a session cookie's value, a signed
   * token of your login service) and says who the player is: the client id its seat (and connect
   * token) is for, which the room's `onJoin` sees. Throw (or reject) to refuse, with an
   * `AuthRefusedError` or any error. Default: everyone is welcome, as `''`.
   */
  readonly auth?: (credentials: unknown) => string | Promise<string>;
  /** Where the matchmaker's own failures are logged; default nowhere. */
  readonly logger?: Logger;
}

/**
 * The matchmaker of a {@link RoomServer} (or of a whole {@link RoomCluster}): picks or makes the room a player asks for and gives it
 * a seat ({@link Reservation}, with a connect token when the room server has tokens), once the
 * `auth` hook took its credentials. A function call in the same process, and an HTTP endpoint
 * for clients elsewhere (`Client.joinOrCreate` with the client's `matchmaker` option):
 *
 * ```text
 *  POST /matchmake/joinOrCreate/<type>   { options?, credentials? }   200 a Reservation
 *  POST /matchmake/create/<type>         { options?, credentials? }   200 a Reservation
 *  POST /matchmake/join/<roomId>         { credentials? }             200 a Reservation
 *  GET  /rooms, GET /rooms/<type>                                      200 RoomInfo[]
 * ```
 *
 * A failure answers `{ error, code }`: 400 for a bad request, 401 when `auth` refused, 404 for a
 * type or room that is not there (or full), 413 for a body past 64 KiB.
 *
 * @category Rooms
 */
export class Matchmaker {
  private http: HttpServer | undefined;

  constructor(
    private readonly rooms: SeatSource,
    private readonly options: MatchmakerOptions = {},
  ) {}

  /** A seat in a room of `type` with one, or in a new room, for the player `credentials` prove. */
  async joinOrCreate(
    type: string,
    options: RoomOptions = {},
    credentials?: unknown,
  ): Promise<Reservation> {
    const clientId = await this.authenticate(credentials);
    return this.rooms.joinOrCreate(type, options, clientId);
  }

  /** A seat in a new room of `type`, for the player `credentials` prove. */
  async create(
    type: string,
    options: RoomOptions = {},
    credentials?: unknown,
  ): Promise<Reservation> {
    const clientId = await this.authenticate(credentials);
    return this.rooms.create(type, options, clientId);
  }

  /** A seat in room `roomId`, for the player `credentials` prove. */
  async join(roomId: string, credentials?: unknown): Promise<Reservation> {
    const clientId = await this.authenticate(credentials);
    return this.rooms.join(roomId, clientId);
  }

  /**
   * Answers the matchmaker's HTTP requests on `hostname:port` (0: a port the system picks).
   *
   * @return The address it listens on.
   */
  async listen(port = 0, hostname = 'localhost'): Promise<Address> {
    checkPort(port, 0);
    checkHostname(hostname);
    const http = createServer((request, response) => void this.handle(request, response));
    this.http = http;
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(port, hostname, () => resolve());
    });
    const bound = http.address() as AddressInfo;
    return { host: hostname, port: bound.port };
  }

  /** Stops answering HTTP requests. */
  async close(): Promise<void> {
    const http = this.http;
    this.http = undefined;
    if (http === undefined) return;
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  }

  /**
   * Answers one HTTP request: for mounting the matchmaker on a server of your own.
   */
  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    // Browsers ask from the game's page, which may be served from elsewhere.
    response.setHeader('Access-Control-Allow-Origin', '*');
    response.setHeader('Access-Control-Allow-Headers', 'content-type');
    if (request.method === 'OPTIONS') return answer(response, 204, undefined);
    try {
      const path = new URL(request.url ?? '/', 'http://matchmaker').pathname.split('/').slice(1);
      const [first, verb, name] = path.map((part) => {
        try {
          return decodeURIComponent(part);
        } catch {
          throw new InvalidArgumentError(`the path holds a bad escape: ${part}`);
        }
      });
      if (request.method === 'GET' && first === 'rooms' && path.length <= 2) {
        return answer(response, 200, await this.listing(verb));
      }
      if (
        request.method !== 'POST' ||
        first !== 'matchmake' ||
        name === undefined ||
        path.length !== 3
      ) {
        return answer(response, 404, { error: 'no such endpoint', code: 'ERR_NOT_FOUND' });
      }
      const body = await readBody(request);
      const options = body.options ?? {};
      if (typeof options !== 'object' || options === null || Array.isArray(options)) {
        throw new InvalidArgumentError('options must be an object');
      }
      const seat =
        verb === 'joinOrCreate'
          ? await this.joinOrCreate(name, options as RoomOptions, body.credentials)
          : verb === 'create'
            ? await this.create(name, options as RoomOptions, body.credentials)
            : verb === 'join'
              ? await this.join(name, body.credentials)
              : undefined;
      if (seat === undefined) {
        return answer(response, 404, { error: `no such endpoint ${verb}`, code: 'ERR_NOT_FOUND' });
      }
      return answer(response, 200, seat);
    } catch (error) {
      // No answer from a process of the cluster (dead, or Redis down), or a room server not
      // running: the matchmaker cannot serve now, the request was not at fault.
      const unavailable =
        (error instanceof MatchmakingError && error.status === 0) ||
        error instanceof InvalidStateError;
      const status =
        error instanceof AuthRefusedError
          ? 401
          : error instanceof NoSuchRoomError
            ? 404
            : error instanceof BodyTooLarge
              ? 413
              : unavailable
                ? 503
                : error instanceof RxgaseError
                  ? 400
                  : 500;
      const code =
        error instanceof RxgaseError
          ? error.code
          : error instanceof BodyTooLarge
            ? 'ERR_BODY_TOO_LARGE'
            : 'ERR_INTERNAL';
      // What went wrong inside is the server's to know, not the caller's.
      const message =
        status === 500 ? 'the matchmaker failed; its log says why' : (error as Error).message;
      if (status === 500) this.options.logger?.error(`The matchmaker failed: ${String(error)}`);
      if (status === 503) {
        this.options.logger?.warn(`The matchmaker could not serve a request: ${String(error)}`);
      }
      return answer(response, status, { error: message, code });
    }
  }

  private async listing(type: string | undefined): Promise<RoomInfo[]> {
    return (await this.rooms.list()).filter((room) => type === undefined || room.type === type);
  }

  private async authenticate(credentials: unknown): Promise<string> {
    if (this.options.auth === undefined) return '';
    let clientId: unknown;
    try {
      clientId = await this.options.auth(credentials);
    } catch (error) {
      if (error instanceof AuthRefusedError) throw error;
      throw new AuthRefusedError(`auth refused: ${(error as Error).message ?? String(error)}`, {
        cause: error,
      });
    }
    if (typeof clientId !== 'string') {
      throw new AuthRefusedError(`auth must give a client id string, gave ${typeof clientId}`);
    }
    return clientId;
  }
}

class BodyTooLarge extends Error {}

/** The request's JSON body: an object, or none. */
async function readBody(
  request: IncomingMessage,
): Promise<{ readonly options?: unknown; readonly credentials?: unknown }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_MATCHMAKER_BODY)
      throw new BodyTooLarge(`the body is past ${MAX_MATCHMAKER_BODY} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new InvalidArgumentError('the body is not JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidArgumentError('the body must be a JSON object');
  }
  return body;
}

function answer(response: ServerResponse, status: number, body: unknown): void {
  if (body === undefined) {
    response.writeHead(status).end();
    return;
  }
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
