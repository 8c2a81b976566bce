/** The chase game's backend, for the terminal server and the web demo alike. */
import { Backend, pygaseHandler } from '../../lib/index';
import type { BackendOptions, HandlerContext } from '../../lib/index';
import type { Chase } from './game';
import { FIELD, initialChase, join, onMove, timeStep } from './game';

/**
 * A chase backend: MOVE moves a player; JOIN(name) adds one at a random place and tells its
 * client the new player's id with PLAYER_CREATED.
 */
export function chaseBackend(
  options: BackendOptions = {},
  onJoin: (name: string, id: string) => void = () => undefined,
): Backend<Chase> {
  const backend: Backend<Chase> = new Backend<Chase>(
    initialChase(),
    timeStep,
    { MOVE: pygaseHandler(onMove) },
    options,
  );
  let players = 0;
  backend.gameStateMachine.registerEventHandler(
    'JOIN',
    pygaseHandler((name: string, context: HandlerContext<Chase>) => {
      const position: [number, number] = [
        Math.random() * FIELD.width,
        Math.random() * FIELD.height,
      ];
      const id = String(players++);
      const changes = join(context.gameState, id, name, position);
      onJoin(name, id);
      if (context.clientAddress !== undefined) {
        backend.server
          .dispatchEvent(
            'PLAYER_CREATED',
            [id],
            {},
            { targetClient: context.clientAddress, retries: 5 },
          )
          .subscribe();
      }
      return changes;
    }),
  );
  return backend;
}
