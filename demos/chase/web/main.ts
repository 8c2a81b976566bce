/**
 * The main demo: chase rooms in the browser, with a lobby to join or create them; bots play in
 * the main room, where terminal players land too.
 *
 *   npm start [-- --port 8000 --udp-port 8080 --bots 3 --host localhost]
 *   npm run demo:bigworld     # the same with --big-world: 200 bots, each client sees around it
 */
import { DISCOVERY_PORT } from '../../../lib/index';
import { consoleLogger, countFlag, portFlag, runDemo } from '../../args';
import { BIG_WORLD } from '../backend';
import { serveChase } from './serve';

const command = {
  usage: `Usage: npm start -- [--port P] [--udp-port U] [--bots N] [--host H]

  --port P       the HTTP port, for the page and its WebSocket (default 8000)
  --udp-port U   the UDP port, for terminal players and bots (default 8080)
  --bots N       how many bots play in the main room (default 3; 0 for none)
  --host H       the address to listen on (default localhost; 0.0.0.0: every interface)
  --big-world    every room a field of ${BIG_WORLD.field.width} x ${BIG_WORLD.field.height} with ${BIG_WORLD.bots} more bots, played by
                 the server, and each client sees only the players within ${BIG_WORLD.viewRadius} of its own`,
  flags: {
    port: { type: 'string', default: '8000' },
    'udp-port': { type: 'string', default: '8080' },
    bots: { type: 'string', default: '3' },
    host: { type: 'string', default: 'localhost' },
    'big-world': { type: 'boolean', default: false },
  },
} as const;

runDemo(command, async ({ values }) => {
  const served = await serveChase({
    host: values.host,
    httpPort: portFlag('--port', values.port),
    udpPort: portFlag('--udp-port', values['udp-port']),
    bots: countFlag('--bots', values.bots),
    logger: consoleLogger,
    discoveryPort: DISCOVERY_PORT,
    world: values['big-world'] ? BIG_WORLD : undefined,
  });
  console.log(`
${values['big-world'] ? 'The big world' : 'Chase'} is up. Open ${served.url} in a browser, pick a name, join a room or make
one, and move with the arrow keys.
  page, lobby and WebSocket   ${served.url}
  UDP                         ${served.udp.host}:${served.udp.port}
  LAN discovery               UDP port ${served.discovery?.address.port}
Play in a terminal too, in the main room:  npm run demo:chase:client -- --port ${served.udp.port} --name ann
Stop with Ctrl-C.`);
  process.once('SIGINT', () => void served.close().then(() => console.log('Stopped.')));
});
