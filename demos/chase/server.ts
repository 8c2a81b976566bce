/**
 * The chase game's server, over UDP. (`npm start` serves it to browsers too: see web/main.ts.)
 *
 *   npm run demo:chase -- --port 8080 --host localhost
 */
import { consoleLogger, hostAndPort } from '../args';
import { chaseBackend } from './backend';

async function main(): Promise<void> {
  const { host, port } = hostAndPort(process.argv.slice(2), { host: 'localhost', port: 8080 });
  const backend = chaseBackend({ logger: consoleLogger }, (name, id) =>
    console.log(`${name} joined as player ${id}.`),
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
