/**
 * The chase game's server, over UDP. (`npm start` serves it to browsers too: see web/main.ts.)
 *
 *   npm run demo:chase -- --port 8080 --host localhost
 */
import { consoleLogger, listenCommand, portFlag, runDemo } from '../args';
import { chaseBackend } from './backend';

const command = listenCommand('demo:chase');

runDemo(command, async ({ values }) => {
  const port = portFlag('--port', values.port);
  const host = values.host;
  const backend = chaseBackend({ logger: consoleLogger });
  const address = await backend.run(host, port);
  console.log(`Chase server on ${address.host}:${address.port}. Stop with Ctrl-C.`);
  process.once('SIGINT', () => void backend.shutdown());
  await backend.whenShutDown();
});
