/**
 * The chase game's server, over UDP. (`npm start` serves it to browsers too: see web/main.ts.)
 *
 *   npm run demo:chase -- --port 8080 --host localhost
 */
import { consoleLogger, portFlag, runDemo } from '../args';
import { chaseBackend } from './backend';

const command = {
  usage: `Usage: npm run demo:chase -- [--port P] [--host H]

  --port P   the UDP port to listen on (default 8080; 0: one the system chooses)
  --host H   the address to listen on (default localhost; 0.0.0.0: every interface)`,
  flags: {
    port: { type: 'string', default: '8080' },
    host: { type: 'string', default: 'localhost' },
  },
} as const;

runDemo(command, async ({ values }) => {
  const port = portFlag('--port', values.port);
  const host = values.host;
  const backend = chaseBackend({ logger: consoleLogger });
  const address = await backend.run(host, port);
  console.log(`Chase server on ${address.host}:${address.port}. Stop with Ctrl-C.`);
  process.once('SIGINT', () => void backend.shutdown());
  await backend.whenShutDown();
});
