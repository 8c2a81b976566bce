import { Subject } from 'rxjs';
import type { BehaviorSubject } from 'rxjs';
import type { Connection } from '../connection/connection';
import { ConnectionStatus } from '../connection/connection';
import {
  ConnectionClosedError,
  ConnectionRefusedError,
  InvalidArgumentError,
  WaitTimeoutError,
} from '../protocol/errors';
import { CompactDecoder } from '../protocol/compactDecoder';
import type { GameEvent, ServerPackage } from '../protocol/packages';
import type { CloseReason } from '../protocol/rxgasePackets';
import type { GameState } from '../state/gameState';
import type { Address, Transport } from '../transport/datagram';
import { addressKey } from '../transport/datagram';
import { checkHostname, checkPort } from '../transport/checkAddress';
import type { ResolvedClientOptions } from './clientOptions';
import type { ClientState } from './clientState';
import type { Accepted, HandshakeAnswer } from './handshake';
import { linkClosedTo } from './handshake';
import { HeldTransport } from './heldTransport';
import { reconnectSession } from './reconnection';
import { farewell, leaveAccepted, sayFarewell } from './farewell';
import {
  closeOf,
  closedBeforeState,
  closedError,
  connectionTo,
  handshakeWithin,
  updatesFrom,
} from './session';

/**
 * Where a client is: `connecting` (its first connection under way), `connected`, `reconnecting`
 * (its link dropped and it is coming back, see `ClientOptions.reconnect`), `disconnected`.
 *
 * @category Client
 */
export type ClientStatus = 'disconnected' | 'connecting' | 'connected' | 'reconnecting';

/** What joining a room adds to connecting: the ticket, and where WebSocket clients go. */
export interface Seat {
  readonly roomId: string;
  readonly ticket: Uint8Array;
  readonly webSocket: { readonly host: string; readonly port: number } | undefined;
}

/** What a client's link tells the client it serves, and reads of it. */
export interface LinkedClient<S extends GameState<object>> {
  readonly options: ResolvedClientOptions;
  readonly known: ClientState<S>;
  readonly status: BehaviorSubject<ClientStatus>;
  readonly disconnections: Subject<CloseReason>;
  /** An event from the server. */
  readonly received: (event: GameEvent) => void;
  /** What a transport of the link reported: a send the system refused, a socket's error. */
  readonly troubled: (error: Error) => void;
}

// Past ~300 lines with its documentation: one role, as its doc says; the session's steps, the
// reconnection, the farewell and the state are files of their own.
/**
 * A client's link to its server: the transport, the connection over it and what its handshake
 * settled, from connecting (the handshake, then the whole state) through a drop and the
 * reconnection after it to the close. The session's steps are session.ts', the attempts to come
 * back reconnection.ts'; this wires them to one client: its status, its state, its events.
 */
export class ClientLink<S extends GameState<object>> {
  /**
   * One more each time the client starts to connect and each time it disconnects: a connect or a
   * reconnection of an older one stops.
   */
  private generation = 0;
  /** Each time the client disconnects: a handshake under way stops at once. */
  private readonly leaving = new Subject<void>();
  private accepted: Accepted | undefined;
  private transport: Transport | undefined;
  private current: Connection<ServerPackage> | undefined;
  private server: Address | undefined;
  private connecting = false;
  private ignored = 0;
  private room: string | undefined;

  constructor(private readonly client: LinkedClient<S>) {}

  /** The connection to the server, while there is one. */
  get connection(): Connection<ServerPackage> | undefined {
    return this.current;
  }

  /** Whether the server made this client its host. */
  get isHost(): boolean {
    return this.accepted?.hostToken !== undefined;
  }

  /** The answers from the server's address ignored: see `Client.ignoredAnswers`. */
  get ignoredAnswers(): number {
    return this.ignored;
  }

  /** The id of the room joined, while connected to it. */
  get roomId(): string | undefined {
    return this.current === undefined ? undefined : this.room;
  }

  /** Opens a connection, refusing a second one while one is open or opening. */
  async open(
    port: number,
    hostname: string,
    timeoutMs: number,
    seat: Seat | undefined,
  ): Promise<void> {
    checkPort(port, 1);
    checkHostname(hostname);
    this.checkIdle();
    const generation = ++this.generation;
    this.connecting = true;
    this.client.status.next('connecting');
    try {
      await this.connect(port, hostname, timeoutMs, seat, generation);
      // Left as the connect ended, before this went on: the client is not connected.
      if (this.generation !== generation) throw leftBefore(hostname, port);
      this.client.status.next('connected');
    } catch (error) {
      // Left meanwhile (`close`), the client may be connecting anew: its status is not this one's.
      if (this.generation === generation) this.client.status.next('disconnected');
      throw error;
    } finally {
      if (this.generation === generation) this.connecting = false;
    }
  }

  /** A number that changes each time the client starts to connect or leaves. */
  get epoch(): number {
    return this.generation;
  }

  /** @throws {@link InvalidArgumentError} If a connection is open or opening. */
  checkIdle(): void {
    if (this.current !== undefined || this.connecting) {
      throw new InvalidArgumentError('the client is already connected');
    }
  }

  /**
   * Binds a transport, resolves the host, shakes hands (rxgase) and waits for the whole state;
   * what fails closes what was opened. The client leaving meanwhile (`close`, which starts a new
   * generation) ends it with a {@link ConnectionClosedError}.
   */
  private async connect(
    port: number,
    hostname: string,
    timeoutMs: number,
    seat: Seat | undefined,
    generation: number,
  ): Promise<void> {
    const { scheduler, logger } = this.client.options;
    const left = (): ConnectionClosedError => leftBefore(hostname, port);
    const bound = await this.client.options.bind();
    if (this.generation !== generation) {
      bound.close();
      throw left();
    }
    const transport = new HeldTransport(bound);
    // What the transport reports from the start, the handshake's sends included.
    transport.errors$?.subscribe((error) => this.client.troubled(error));
    // A client over WebSocket (a browser) joins a room where its server takes WebSockets.
    const target =
      transport.address.scheme === 'ws' && seat?.webSocket !== undefined
        ? seat.webSocket
        : { host: hostname, port };
    let host: string;
    try {
      host = await this.client.options.resolve(target.host);
      if (this.generation !== generation) throw left();
    } catch (error) {
      transport.close();
      throw error;
    }
    const server: Address = { host, port: target.port };
    const ticket = seat?.ticket;
    this.client.known.reset();
    const from = addressKey(server);
    const started = scheduler.now();
    logger.info(`Connecting to ${from} ...`);
    let accepted: Accepted | undefined;
    if (this.client.options.protocol !== 'pygase') {
      try {
        accepted = await handshakeWithin(
          transport,
          server,
          scheduler,
          timeoutMs,
          (answer) => this.ignore(answer, from),
          this.leaving,
          ticket,
        );
      } catch (error) {
        transport.close();
        throw error;
      }
      if (this.generation !== generation) {
        // The server accepted as the client left: it is told the client left after all.
        leaveAccepted(transport, server, accepted, scheduler);
        throw left();
      }
    }
    // The client's from here on: its close says farewell over it, and closes it.
    this.transport = transport;
    this.server = server;
    this.accepted = accepted;
    this.room = seat?.roomId;
    const connection = this.attach(transport, server, accepted, generation);
    transport.release();
    try {
      await this.client.known.tryTo(
        (state) => {
          if (!this.client.known.hasState) throw new Error('not yet');
          return state;
        },
        timeoutMs - (scheduler.now() - started),
        closedBeforeState(connection, from),
      );
      // The state came, and the server's close right behind it (a kick on joining, say).
      if (connection.currentStatus === ConnectionStatus.Disconnected) {
        throw closedError(connection.closeReason, from);
      }
      logger.info(`Connected to ${from}.`);
    } catch (error) {
      if (this.current === connection) await this.close();
      if (error instanceof ConnectionRefusedError || error instanceof ConnectionClosedError) {
        throw error;
      }
      throw new WaitTimeoutError(`no game state came from ${from} within ${timeoutMs} ms`, {
        cause: error,
      });
    }
  }

  /**
   * Makes the connection to `server` over `transport` the client's, and follows it: its updates
   * into the state, its events to the handlers, its close from the server, its link closing. A
   * link that drops once the client is connected (with `reconnect`) starts a reconnection.
   *
   * @param resumes The dropped connection this one takes up again.
   */
  private attach(
    transport: Transport,
    server: Address,
    accepted: Accepted | undefined,
    generation: number,
    resumes?: Connection<ServerPackage>,
  ): Connection<ServerPackage> {
    const { logger } = this.client.options;
    const from = addressKey(server);
    // An rxgase server writes its updates in compact form, with a dictionary per connection.
    const updates = accepted === undefined ? undefined : new CompactDecoder();
    // Until the whole state came (again, after a reconnection), the client reports none: the
    // server sends it whole, and the client takes it in place of its own.
    const connection = connectionTo(
      transport,
      server,
      accepted,
      () => (this.client.known.hasState ? this.client.known.value.time_order : 0),
      this.client.options,
      updates,
      resumes,
    );
    this.current = connection;
    this.client.known.follow(updatesFrom(connection, logger, updates));
    connection.events$.subscribe((event) => this.client.received(event));
    connection.open();
    // Subscribed once open (before, the status is Disconnected, which means nothing yet): a
    // connection that timed out is let go, so the client can connect again.
    connection.status$.subscribe((status) => {
      if (status === ConnectionStatus.Connected && this.current === connection && resumes) {
        this.client.status.next('connected');
      }
      if (status !== ConnectionStatus.Disconnected) return;
      const current = this.current === connection && this.generation === generation;
      if (connection.isDropped && current && this.client.status.value !== 'connecting') {
        this.reconnect(connection, transport, server, accepted as Accepted, generation).catch(
          (error: unknown) => logger.error(`Reconnecting to ${from} failed: ${String(error)}`),
        );
        return;
      }
      // Dropped before it was connected, or while the client left: it is over.
      if (connection.isDropped) connection.close();
      this.client.disconnections.next(connection.closeReason ?? 'disconnected');
      if (!current) return;
      logger.info(`Lost the connection to ${from} (${connection.closeReason}).`);
      void this.close();
    });
    // Last, once the status is followed: a close the server sent right behind its accept, which
    // the transport held, comes at once, and closes a connection that is open and followed.
    if (accepted !== undefined) {
      closeOf(transport, server, accepted.session, (close) => this.ignore(close, from)).subscribe(
        (reason) =>
          // The server lost the link and holds the client's place: it comes back (where the
          // connection is resumable: the server gave a resume token, and `reconnect` is on).
          reason === 'dropped' && connection.isResumable
            ? connection.drop('timeout')
            : connection.close(reason),
      );
    }
    // A WebSocket that closed is the end of the connection (or a drop), now, not in 5 s.
    linkClosedTo(transport, server).subscribe(() => connection.drop('disconnected'));
    return connection;
  }

  /**
   * The link of `dropped` went: the client comes back with its session over a new transport (see
   * {@link reconnectSession}), its state and events kept meanwhile, or, failing that within
   * `reconnect.timeoutMs`, it is disconnected.
   */
  private async reconnect(
    dropped: Connection<ServerPackage>,
    transport: Transport,
    server: Address,
    accepted: Accepted,
    generation: number,
  ): Promise<void> {
    const { logger, reconnect } = this.client.options;
    if (reconnect === false) return;
    this.client.status.next('reconnecting');
    const from = addressKey(server);
    logger.info(`Lost the link to ${from} (${dropped.closeReason}); reconnecting.`);
    transport.close();
    this.transport = undefined;
    const outcome = await reconnectSession(
      this.client.options,
      reconnect,
      server,
      accepted,
      (answer) => this.ignore(answer, from),
      () => this.generation !== generation,
      this.leaving,
      this.client.troubled,
    );
    // The client left, or connected anew, meanwhile: this reconnection is over.
    if (outcome.kind === 'aborted' || this.generation !== generation) {
      if (outcome.kind === 'resumed') outcome.transport.close();
      return;
    }
    if (outcome.kind === 'resumed') {
      this.transport = outcome.transport;
      this.accepted = outcome.accepted;
      this.client.known.rebase();
      this.attach(outcome.transport, server, outcome.accepted, generation, dropped);
      outcome.transport.release();
      logger.info(`Reconnected to ${from}.`);
      return;
    }
    // Its events fail now.
    dropped.close();
    const reason = outcome.reason ?? dropped.closeReason ?? 'timeout';
    logger.info(`Could not reconnect to ${from} (${reason}).`);
    this.client.status.next('disconnected');
    this.client.disconnections.next(reason);
    if (this.current === dropped) await this.close();
  }

  /** See `Client.disconnect`. */
  close(options: { readonly shutdownServer?: boolean } = {}): Promise<void> {
    const { current, transport, server, accepted } = this;
    const { scheduler, logger } = this.client.options;
    this.generation++;
    this.connecting = false;
    // Its dropped connection said Disconnected already: leaving, it is told here.
    if (this.client.status.value === 'reconnecting')
      this.client.disconnections.next('disconnected');
    this.client.status.next('disconnected');
    this.current = undefined;
    this.transport = undefined;
    this.accepted = undefined;
    this.room = undefined;
    const connected = current?.currentStatus !== ConnectionStatus.Disconnected;
    const shutdownServer = Boolean(options.shutdownServer);
    current?.close();
    if (current !== undefined) logger.info('Disconnected.');
    if (transport !== undefined && server !== undefined) {
      // The link stays open until the server answers the close (or a second passes); the client
      // is disconnected meanwhile, and may connect again.
      const datagrams = farewell(accepted, { shutdownServer, connected });
      sayFarewell(transport, server, datagrams, accepted?.session, scheduler);
    }
    // A handshake under way, the client's first or a reconnection's, stops now.
    this.leaving.next();
    return Promise.resolve();
  }

  /** An answer from the server's address that is not bound to this client: counted, not acted on. */
  private ignore(answer: HandshakeAnswer, from: string): void {
    this.ignored++;
    this.client.options.logger.debug(
      `Ignored a ${answer.kind} from ${from}: it carries neither this client's nonce nor its session.`,
    );
  }
}

/** What a connect fails with when the client left before it connected. */
export function leftBefore(hostname: string, port: number): ConnectionClosedError {
  return new ConnectionClosedError(`the client left before it connected to ${hostname}:${port}`);
}
