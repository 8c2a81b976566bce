/**
 * The chase game's server, over UDP. (`npm start` serves it to browsers too: see web/main.ts.)
 *
 *   npm run demo:chase -- --port 8080 --host localhost [--big-world]
 */
import { consoleLogger, portFlag, runDemo } from '../args';
import { BIG_WORLD, chaseBackend } from './backend';

const command = {
  usage: `Usage: npm run demo:chase -- [--port P] [--host H] [--big-world]

  --port P      the UDP port to listen on (default 8080; 0: one the system chooses)
  --host H      the address to listen on (default localhost; 0.0.0.0: every interface)
  --big-world   a field of ${BIG_WORLD.field.width} x ${BIG_WORLD.field.height} with ${BIG_WORLD.bots} bots, played by the server, and each
                client sees only the players within ${BIG_WORLD.viewRadius} of its own`,
  flags: {
    port: { type: 'string', default: '8080' },
    host: { type: 'string', default: 'localhost' },
    'big-world': { type: 'boolean', default: false },
  },
} as const;

runDemo(command, async ({ values }) => {
  const port = portFlag('--port', values.port);
  const host = values.host;
  const world = values['big-world'] ? BIG_WORLD : {};
  const backend = chaseBackend({ ...world, logger: consoleLogger });
  const address = await backend.run(host, port);
  console.log(`Chase server on ${address.host}:${address.port}. Stop with Ctrl-C.`);
  process.once('SIGINT', () => void backend.shutdown());
  await backend.whenShutDown();
});
