/** The chase game's backend, for the terminal server and the bench alike. */
import { Backend } from '../../lib/index';
import type { BackendOptions } from '../../lib/index';
import type { Chase, ChaseEvents } from './game';
import type { ChaseRules } from './rules';
import { chaseGame } from './rules';

/** How a chase backend runs: the game's rules, and the backend's own options. */
export interface ChaseOptions extends BackendOptions, ChaseRules {}

/**
 * The big world: 200 bots on a field 100 times PyGaSe's, each client seeing 400 around it (a bit
 * more than the browser's 640 x 420 window reaches from its center). The whole state would not
 * fit a package, so without the view nobody could even join.
 */
export const BIG_WORLD = {
  field: { width: 6400, height: 4200 },
  bots: 200,
  viewRadius: 400,
} as const satisfies ChaseOptions;

/**
 * A chase backend: one chase game (see {@link chaseGame}), where LEAVE, which the server pushes
 * itself when a client disconnects or times out, removes the client's player.
 */
export function chaseBackend(options: ChaseOptions = {}): Backend<Chase, ChaseEvents> {
  const { spawn, maxPlayers, field, bots, viewRadius, random, ...backendOptions } = options;
  const rules = { spawn, maxPlayers, field, bots, viewRadius, random, logger: options.logger };
  const game = chaseGame(rules, () => backend.server);
  const backend: Backend<Chase, ChaseEvents> = new Backend<Chase, ChaseEvents>(
    game.initial,
    game.timeStep,
    {
      ...game.handlers,
      LEAVE: (_payload, { gameState, clientAddress }) => game.leave(gameState, clientAddress),
    },
    game.view === undefined ? backendOptions : { ...backendOptions, view: game.view },
  );
  // Through the game loop, not straight into the store, so that the state stays the loop's alone.
  backend.server.disconnected$.subscribe(({ client }) =>
    backend.gameStateMachine.pushEvent({ type: 'LEAVE', args: [], kwargs: {} }, client),
  );
  return backend;
}
