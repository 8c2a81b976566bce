/**
 * PyGaSe's quickstart backend, in rxgase: `foo` grows by `bar` every second; `SET_BAR` sets bar,
 * `RESET_FOO` sets foo back to 0. Python PyGaSe clients can play against it.
 *
 *   npm run demo:quickstart -- --port 8080 --host localhost
 */
import { Backend, GameStatus, createGameState } from '../../lib/index';
import { consoleLogger, hostAndPort } from '../args';
import type { Quickstart, QuickstartEvents } from './game';

async function main(): Promise<void> {
  const { host, port } = hostAndPort(process.argv.slice(2), { host: 'localhost', port: 8080 });
  const backend = new Backend<Quickstart, QuickstartEvents>(
    createGameState({ foo: 0.0, bar: 0.5 }) as Quickstart,
    (state, dt) => ({ foo: state.foo + state.bar * dt }),
    {
      SET_BAR: ({ new_bar }) => ({ bar: new_bar }),
      RESET_FOO: () => ({ foo: 0.0 }),
    },
    { logger: consoleLogger },
  );
  const address = await backend.run(host, port);
  console.log(
    `Quickstart backend on ${address.host}:${address.port}. Stop with Ctrl-C, or from the host client.`,
  );
  process.once('SIGINT', () => void backend.shutdown());
  await backend.whenShutDown();
  console.log(
    `Stopped; the game was ${backend.gameStateStore.getGameState().game_status === GameStatus.Paused ? 'paused' : 'running'}.`,
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
