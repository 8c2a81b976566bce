import type { Observable } from 'rxjs';
import type { Backend, BackendOptions } from '../backend/backend';
import type { GameStateMachine } from '../game/gameStateMachine';
import type { GameStateStore } from '../game/gameStateStore';
import type { Client } from '../client/client';
import { CONNECTION_TIMEOUT_MS } from '../operators/whenSilent';
import { InvalidArgumentError } from '../protocol/errors';
import type { Server } from '../server/server';
import type { AnyEvents, GameEvents } from '../protocol/events';
import type { GameState } from '../state/gameState';
import type { Address } from '../transport/datagram';
import { addressKey } from '../transport/datagram';
import { MemoryNetwork } from '../transport/memoryNetwork';
import { SimulationScheduler } from '../transport/simulationScheduler';
import { SimulatedLinks } from './simulatedLinks';
import type { Link } from './simulatedLinks';
import { buildTestGame } from './testGame';
import type { TestGame } from './testGame';
import { resolveTestWorldOptions } from './testWorldOptions';
import type {
  ResolvedTestWorldOptions,
  TestClientOptions,
  TestWorldOptions,
} from './testWorldOptions';
import { Stepper } from './stepper';
import { TestClients } from './testClients';
import type { LinkStats } from './testClients';
import { DEFAULT_VIRTUAL_TIMEOUT_MS, settleOn, untilHolds, untilState } from './waits';

// Past ~300 lines with its documentation, nearly half of it: one role, the test kit's facade;
// its options, game, clients and waits are files of their own.
/**
 * A whole game in virtual time, for your tests: your game on a real `Server`, real `Client`s
 * connected to it over the real protocol, and only the network (seeded: latency, jitter, loss,
 * duplicates, reordering, cut links) and the clock simulated. Minutes of play under 25% loss
 * take milliseconds, and the same seed plays the same way every time.
 *
 * Time moves only when the world is told: by {@link advance}, or by a wait ({@link until},
 * {@link settle}, {@link connect}), which moves it in steps of `stepMs` and lets promises settle
 * between two steps. So `await` what the world returns; a promise of the library awaited on its
 * own (`await client.waitUntil(...)`) would wait for a clock that does not move. The world uses
 * no timer of its own, only `setImmediate` to let promises settle; do not fake it (with
 * `jest.useFakeTimers()`), as the world needs no fake clock.
 *
 * ## Example
 * ```ts
 * import { createGameState } from 'rxgase';
 * import { TestWorld } from 'rxgase/testing';
 *
 * const world = await TestWorld.start({
 *   initialState: createGameState({ count: 0 }),
 *   eventHandlers: { ADD: ({ n }, { gameState }) => ({ count: gameState.count + n }) },
 *   network: { latencyMs: 50, jitterMs: 20, loss: 0.25 },
 *   seed: 7,
 * });
 * const ann = await world.connect('ann');
 * await world.settle(ann.dispatchEvent('ADD', { n: 2 }, { retries: 10 }));
 * await world.until(ann, (state) => state.count === 2);
 * await world.shutdown();
 * ```
 *
 * @category Testing
 */
export class TestWorld<S extends GameState<object> = GameState, E extends GameEvents = AnyEvents> {
  /** The virtual clock everything runs on: the game loop, the connections, the network. */
  readonly scheduler = new SimulationScheduler();
  /** The in-memory network the server and clients are bound to. */
  readonly network = new MemoryNetwork(this.scheduler);
  /** The server, a real one. */
  readonly server: Server<S, E>;
  /** The store of the authoritative game state. */
  readonly gameStateStore: GameStateStore<S>;
  /** The game loop and the event handlers. */
  readonly gameStateMachine: GameStateMachine<S, E>;
  /** The backend, when the game was given by its parts or as a backend. */
  readonly backend: Backend<S, E> | undefined;

  private readonly links: SimulatedLinks;
  private readonly made: TestClients<S, E>;
  private readonly options: ResolvedTestWorldOptions<S>;
  private readonly clock: Stepper;
  private running = false;

  /**
   * Makes the world; {@link start} starts its server and game loop.
   *
   * @throws {InvalidArgumentError} If `tickMs`, `stepMs` or `seed` is not a fitting number, or
   *   the game is none of the three kinds of {@link TestGame}.
   */
  constructor(options: TestGame<S, E> & TestWorldOptions<NoInfer<S>>) {
    this.options = resolveTestWorldOptions(options);
    const { stepMs, seed, serverOptions } = this.options;
    this.clock = new Stepper(this.scheduler, stepMs);
    this.links = new SimulatedLinks(this.scheduler, seed);
    this.made = new TestClients(this.scheduler, this.network, this.links, this.options.network);
    const backendOptions: BackendOptions<S> = {
      ...serverOptions,
      scheduler: this.scheduler,
      bind: async (port, host) => this.links.serverSide(this.network.bind({ host, port })),
    };
    const game = buildTestGame(options, this.scheduler, backendOptions);
    this.server = game.server;
    this.gameStateStore = game.gameStateStore;
    this.gameStateMachine = game.gameStateMachine;
    this.backend = game.backend;
  }

  /**
   * Makes a world and starts it.
   *
   * ## Example
   * ```ts
   * const world = await TestWorld.start({ initialState: createGameState({ count: 0 }) });
   * ```
   */
  static async start<S extends GameState<object>, E extends GameEvents = AnyEvents>(
    options: TestGame<S, E> & TestWorldOptions<NoInfer<S>>,
  ): Promise<TestWorld<S, E>> {
    const world = new TestWorld(options);
    await world.start();
    return world;
  }

  /** The virtual time, in ms since the world was made. */
  get now(): number {
    return this.scheduler.now();
  }

  /** The authoritative game state: the server's. */
  get state(): S {
    return this.gameStateStore.getGameState();
  }

  /** The clients made so far, in the order they were made. */
  get clients(): readonly Client<S, E>[] {
    return this.made.all;
  }

  /**
   * Starts the server, at `host`:`port`, and the game loop, a tick every `tickMs`.
   *
   * @throws {InvalidArgumentError} If it runs already.
   */
  async start(): Promise<void> {
    if (this.running) throw new InvalidArgumentError('the test world runs already');
    this.running = true;
    const { host, port, tickMs } = this.options;
    if (this.backend !== undefined) {
      await this.backend.run(host, port, tickMs);
    } else {
      await this.server.run(port, host, this.gameStateMachine);
      this.gameStateMachine.runGameLoop(tickMs);
    }
  }

  /**
   * Makes a client, not connected yet, on host `name` of the simulated network. Its link to the
   * server has the world's conditions, or its own.
   *
   * ## Example
   * ```ts
   * const ann = world.client('ann', { network: { loss: 0.5 } });
   * await world.connect(ann);
   * ```
   *
   * @param name Its name in messages, and its host: one per client.
   * @throws {InvalidArgumentError} If the name is empty or taken.
   */
  client(name: string, options: TestClientOptions = {}): Client<S, E> {
    return this.made.make(name, options);
  }

  /**
   * Connects a client to the server, making it first if given a name, while virtual time passes:
   * resolves once the client has the whole game state.
   *
   * ## Example
   * ```ts
   * const ann = await world.connect('ann');
   * await ann.disconnect();
   * await world.connect(ann); // again, as a new connection
   * ```
   *
   * @param client A client of this world, or the name of a new one.
   * @param options For a new client: see {@link TestWorld.client}.
   * @param timeoutMs How long, in virtual ms; default 10 s.
   * @throws {WaitTimeoutError} If no state came within `timeoutMs`.
   * @throws {ConnectionRefusedError} If the server refused the client: `server full`.
   */
  async connect(
    client: Client<S, E> | string,
    options: TestClientOptions = {},
    timeoutMs = DEFAULT_VIRTUAL_TIMEOUT_MS,
  ): Promise<Client<S, E>> {
    const connecting = typeof client === 'string' ? this.client(client, options) : client;
    this.linkFor(connecting);
    const { host, port } = this.options;
    // The client's own timeout settles the promise; the world's margin only catches a hang.
    await this.settle(connecting.connect(port, host, timeoutMs), timeoutMs + 1000);
    return connecting;
  }

  /**
   * Disconnects a client, and lets virtual time pass until the server has let it go: at once if
   * its close arrives, after the 5 s connection timeout if it was lost.
   *
   * @param options `shutdownServer`: ask the server to shut down, as the host client may.
   * @throws {WaitTimeoutError} If the server still holds the client after the timeout.
   */
  async disconnect(
    client: Client<S, E>,
    options: { readonly shutdownServer?: boolean } = {},
  ): Promise<void> {
    const { address } = this.linkFor(client);
    await client.disconnect(options);
    if (address === undefined) return;
    const key = addressKey(address);
    const held = (): boolean =>
      this.server.address !== undefined && this.server.connections.has(key);
    if (held()) await this.until(() => !held(), CONNECTION_TIMEOUT_MS + 1000);
  }

  /**
   * Cuts a client's link: every datagram either way is lost, those in flight too, until
   * {@link restoreLink}. Both ends notice the silence as over a dead network: after 5 s each
   * drops the connection.
   */
  cutLink(client: Client<S, E>): void {
    this.linkFor(client).cut = true;
  }

  /** Mends a link {@link cutLink} cut: datagrams go through again, as its conditions say. */
  restoreLink(client: Client<S, E>): void {
    this.linkFor(client).cut = false;
  }

  /** The address a client's transport is bound at (its host is its name); undefined before it connects. */
  addressOf(client: Client<S, E>): Address | undefined {
    return this.linkFor(client).address;
  }

  /**
   * What went through both ends of a client's connection.
   *
   * ## Example
   * ```ts
   * const { client, server } = world.stats(ann);
   * console.log(client?.resends, server?.duplicates);
   * ```
   */
  stats(client: Client<S, E>): LinkStats {
    return this.made.stats(client, this.server);
  }

  /**
   * Lets `ms` of virtual time pass, in steps of `stepMs`, letting promises settle between steps.
   *
   * @throws Whatever a timer throws in that time (a game handler's error is reported, not thrown).
   */
  async advance(ms: number): Promise<void> {
    if (!(ms >= 0) || !Number.isFinite(ms)) {
      throw new InvalidArgumentError(`advance takes a finite number of ms, 0 or more, got ${ms}`);
    }
    await this.clock.passUntil(() => false, ms);
  }

  /**
   * Awaits a promise, or an observable's completion, while virtual time passes: resolves or
   * rejects as it does.
   *
   * ## Example
   * ```ts
   * await world.settle(ann.dispatchEvent('ADD', { n: 1 }, { retries: 10 })); // acked
   * ```
   *
   * @return What the promise resolves to, or the observable's last value.
   * @throws {WaitTimeoutError} If it has not settled within `timeoutMs` of virtual time.
   */
  settle<T>(promise: PromiseLike<T>, timeoutMs?: number): Promise<T>;
  settle<T>(observable: Observable<T>, timeoutMs?: number): Promise<T | undefined>;
  async settle<T>(
    awaited: PromiseLike<T> | Observable<T>,
    timeoutMs = DEFAULT_VIRTUAL_TIMEOUT_MS,
  ): Promise<T | undefined> {
    return settleOn(this.clock, awaited, timeoutMs);
  }

  /**
   * Lets virtual time pass until a client's state satisfies `predicate` (or the server's, for
   * `'server'`), or until any `condition` holds. Every state is checked as it arrives, so one that
   * lasts no longer than a tick counts too.
   *
   * ## Example
   * ```ts
   * const state = await world.until(ann, (s) => s.count === 3);
   * await world.until('server', (s) => s.count === 3);
   * await world.until(() => world.server.connections.size === 0, 6000);
   * ```
   *
   * @param timeoutMs How long, in virtual ms; default 10 s.
   * @return The first state that satisfied `predicate`.
   * @throws {WaitTimeoutError} If it does not hold within `timeoutMs`; the message shows the
   *   last state seen, and the predicate's last error is the `cause`.
   */
  until(
    client: Client<S, E> | 'server',
    predicate: (state: S) => boolean,
    timeoutMs?: number,
  ): Promise<S>;
  until(condition: () => boolean, timeoutMs?: number): Promise<void>;
  async until(
    target: Client<S, E> | 'server' | (() => boolean),
    predicateOrTimeout?: ((state: S) => boolean) | number,
    timeoutMs = DEFAULT_VIRTUAL_TIMEOUT_MS,
  ): Promise<S | void> {
    if (typeof target === 'function') {
      const limit = typeof predicateOrTimeout === 'number' ? predicateOrTimeout : timeoutMs;
      return untilHolds(this.clock, target, limit, () => this.now);
    }
    const predicate = predicateOrTimeout;
    if (typeof predicate !== 'function') {
      throw new InvalidArgumentError('until takes a predicate on the state after the client');
    }
    const who = target === 'server' ? 'the server' : `client ${this.linkFor(target).name}`;
    const states$ = target === 'server' ? this.gameStateStore.state$ : target.state$;
    return untilState(this.clock, states$, predicate, { who, timeoutMs, now: () => this.now });
  }

  /**
   * Disconnects every client and shuts the server and the game loop down. The world can
   * {@link start} again.
   */
  async shutdown(): Promise<void> {
    for (const client of this.made.all) await client.disconnect();
    if (this.backend !== undefined) {
      await this.backend.shutdown();
    } else {
      this.gameStateMachine.stop();
      await this.server.shutdown();
    }
    this.running = false;
  }

  /** The link of a client of this world. */
  private linkFor(client: Client<S, E>): Link {
    return this.made.linkFor(client);
  }
}
