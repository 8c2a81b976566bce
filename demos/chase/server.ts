/**
 * The chase game's server.
 *
 *   npm run demo:chase -- --port 8080 --host localhost
 */
import { Backend } from '../../lib/index';
import type { HandlerContext } from '../../lib/index';
import { consoleLogger, hostAndPort } from '../args';
import type { Chase } from './game';
import { FIELD, initialChase, join, onMove, timeStep } from './game';

async function main(): Promise<void> {
  const { host, port } = hostAndPort(process.argv.slice(2), { host: 'localhost', port: 8080 });
  const backend: Backend<Chase> = new Backend<Chase>(
    initialChase(),
    timeStep,
    { MOVE: onMove },
    { logger: consoleLogger },
  );
  let players = 0;
  backend.gameStateMachine.registerEventHandler(
    'JOIN',
    (name: string, context: HandlerContext<Chase>) => {
      const position: [number, number] = [
        Math.random() * FIELD.width,
        Math.random() * FIELD.height,
      ];
      const id = String(players++);
      const changes = join(context.gameState, id, name, position);
      console.log(`${name} joined as player ${id}.`);
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
    },
  );
  const address = await backend.run(host, port);
  console.log(`Chase server on ${address.host}:${address.port}. Stop with Ctrl-C.`);
  process.once('SIGINT', () => void backend.shutdown());
  await backend.whenShutDown();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
