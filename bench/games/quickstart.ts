/**
 * PyGaSe's quickstart game as the server scenarios run it: `foo` grows by `bar` a second, PING
 * events are counted. One server process under load (serverProcess.ts) and the server measured in
 * one process with its clients (inProcessLoad.ts) run this same game.
 */
import { Backend, createGameState } from '../../lib/index';
import type { BackendOptions, GameState, HandlerContext } from '../../lib/index';

type Quickstart = GameState<{ foo: number; bar: number; pings: number }>;

/**
 * The quickstart `Backend`, with `options` beside the bench's: no cap of its own in the way, as the
 * bench finds how many clients one server holds, and every client of the load comes from
 * 127.0.0.1.
 */
export function quickstartBackend(options: BackendOptions<Quickstart> = {}): Backend<Quickstart> {
  return new Backend<Quickstart>(
    createGameState({ foo: 0.0, bar: 0.5, pings: 0 }) as Quickstart,
    (state, dt) => ({ foo: state.foo + state.bar * dt }),
    {
      PING: (_payload, context: HandlerContext<Quickstart>) => ({
        pings: context.gameState.pings + 1,
      }),
    },
    {
      maxClients: Infinity,
      maxClientsPerAddress: Infinity,
      legacyJoinsPerSecond: false,
      rateLimit: false,
      ...options,
    },
  );
}
