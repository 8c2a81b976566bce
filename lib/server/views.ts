import { InvalidArgumentError } from '../protocol/errors';
import { diffFromAny } from '../state/diffStates';
import type { GameState, GameStateUpdate } from '../state/gameState';
import { createGameState } from '../state/gameState';
import type { Address } from '../transport/datagram';
import type { StateSource } from './stateSource';

/**
 * Who a client is, as a server's {@link ServerOptions.view} sees it. The game's handlers know the
 * same client by `clientAddress`, so a game that keys its players by `addressKey(clientAddress)`
 * finds a client's player by `key`.
 *
 * @category Server/Backend
 */
export interface ViewClient {
  /** The client's address as `host:port`, the key of `server.connections`. */
  readonly key: string;
  readonly address: Address;
  readonly protocol: 'rxgase' | 'pygase';
}

/**
 * What a client may see of state `S`: the keys of the state it may see, with their values or a
 * part of them (a record with only some entries). `time_order` and `game_status` always go to
 * every client, whatever the view says.
 *
 * @category Server/Backend
 */
export type View<S extends GameState<object>> = (state: S, client: ViewClient) => Partial<S>;

/** The state of a client that has none: every key of a full state is new to it. */
const NO_STATE: GameState = createGameState({});

/**
 * A server's views: what each client may see of each state, worked out once per state and view
 * key, and the update each client needs, the same object (encoded once) for every client of a
 * view key at the same `time_order`.
 *
 * The update for a client that reported `time_order` t is the difference between the views of
 * every state since t and the current view, as {@link GameStateStore.updateSince} does for whole
 * states: the client may hold any of them. A key that leaves the view is deleted, one that enters
 * is set; nothing outside the current view is ever in it.
 */
export class Views<S extends GameState<object>> {
  /** Each state's views, by view key: states are immutable, so a view is worked out once. */
  private readonly views = new WeakMap<S, Map<string, GameState>>();
  /** The updates for the current state, by view key and what the client holds. */
  private readonly updates = new Map<string, GameStateUpdate>();
  private updatesOf: S | undefined;

  constructor(
    private readonly view: View<S>,
    private readonly viewKey: ((client: ViewClient) => string) | undefined,
  ) {
    if (typeof view !== 'function') {
      throw new InvalidArgumentError(`view must be a function, got ${typeof view}`);
    }
    if (viewKey !== undefined && typeof viewKey !== 'function') {
      throw new InvalidArgumentError(`viewKey must be a function, got ${typeof viewKey}`);
    }
  }

  /**
   * What the server sends `client` from `store`: the store's state through the client's view.
   *
   * @throws {@link InvalidArgumentError} If the store cannot tell its states since a time_order.
   */
  source(store: StateSource<S>, client: ViewClient): StateSource<S> {
    Views.check(store);
    // Keys of the two kinds apart: a viewKey may be any string, an address key too. A client
    // back at the same address with the other protocol is another client. Worked out with the
    // first update, where what a game's view throws is the client's failure (reported, and the
    // client closed), not the server's.
    let key: string | undefined;
    const keyOf = (): string =>
      (key ??=
        this.viewKey === undefined
          ? `client ${client.protocol} ${client.key}`
          : `view ${this.viewKey(client)}`);
    return {
      getGameState: () => store.getGameState(),
      updateSince: (timeOrder, fullSince) =>
        this.updateSince(store, keyOf(), client, timeOrder, fullSince),
    };
  }

  /** @throws {@link InvalidArgumentError} If `store` has no `statesSince`, which views need. */
  static check(store: StateSource<GameState<object>>): void {
    if (typeof store.statesSince !== 'function') {
      throw new InvalidArgumentError(
        'a server with a view needs a state source with statesSince (a GameStateStore has it)',
      );
    }
  }

  private updateSince(
    store: StateSource<S>,
    key: string,
    client: ViewClient,
    timeOrder: number,
    fullSince: number | undefined,
  ): GameStateUpdate {
    const current = store.getGameState();
    if (this.updatesOf !== current) {
      this.updates.clear();
      this.updatesOf = current;
    }
    const statesSince = (t: number): readonly S[] | undefined => store.statesSince?.(t);
    const since = timeOrder === 0 ? undefined : statesSince(timeOrder);
    const held =
      since === undefined && fullSince !== undefined ? statesSince(fullSince) : undefined;
    const memo =
      since === undefined ? `${key}\n0 ${held ? fullSince : ''}` : `${key}\n${timeOrder}`;
    let update = this.updates.get(memo);
    if (update === undefined) {
      const viewOf = (state: S): GameState => this.viewOf(state, key, client);
      const now = viewOf(current);
      if (since !== undefined && timeOrder === current.time_order)
        update = { time_order: timeOrder };
      else if (since !== undefined) update = diffFromAny(since.map(viewOf), now);
      // Full states went to the client while its report travelled: it may hold any of them.
      else if (held !== undefined) update = diffFromAny([NO_STATE, ...held.map(viewOf)], now);
      else update = { ...now };
      this.updates.set(memo, update);
    }
    return update;
  }

  private viewOf(state: S, key: string, client: ViewClient): GameState {
    let views = this.views.get(state);
    if (views === undefined) {
      views = new Map();
      this.views.set(state, views);
    }
    let seen = views.get(key);
    if (seen === undefined) {
      seen = {
        ...this.view(state, client),
        time_order: state.time_order,
        game_status: state.game_status,
      } as GameState;
      views.set(key, seen);
    }
    return seen;
  }
}
