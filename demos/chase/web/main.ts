/**
 * The main demo: the chase game in the browser, against bots, with terminal players welcome.
 *
 *   npm start [-- --port 8000 --udp-port 8080 --bots 3 --host localhost]
 */
import { DISCOVERY_PORT } from '../../../lib/index';
import { consoleLogger, hostAndPort } from '../../args';
import { serveChase } from './serve';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const { host, port } = hostAndPort(argv, { host: 'localhost', port: 8000 });
  const number = (flag: string, fallback: number): number => {
    const i = argv.indexOf(flag);
    const value = i >= 0 ? Number(argv[i + 1]) : fallback;
    if (!Number.isInteger(value) || value < 0) throw new Error(`${flag} must be a whole number`);
    return value;
  };
  const served = await serveChase({
    host,
    httpPort: port,
    udpPort: number('--udp-port', 8080),
    bots: number('--bots', 3),
    logger: consoleLogger,
    discoveryPort: DISCOVERY_PORT,
  });
  console.log(`
Chase is up. Open ${served.url} in a browser, pick a name, and move with the arrow keys.
  page and WebSocket   ${served.url}
  UDP                  ${served.udp.host}:${served.udp.port}
  LAN discovery        UDP port ${served.discovery?.address.port}
Play in a terminal too:  npm run demo:chase:client -- --port ${served.udp.port} --name ann
Stop with Ctrl-C.`);
  process.once('SIGINT', () => void served.close());
  await served.backend.whenShutDown();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
