/**
 * A client for the quickstart backend: sets bar a few times, resets foo, and prints the state it
 * sees as JSON lines.
 *
 *   npm run demo:client -- --port 8080 --host localhost [--shutdown] [--pygase]
 *
 * `--pygase` speaks PyGaSe's own protocol, to play on a Python PyGaSe backend.
 */
import { lastValueFrom } from 'rxjs';
import { Client } from '../../lib/index';
import { consoleLogger, portFlag, runDemo } from '../args';
import type { Quickstart, QuickstartEvents } from './game';

const command = {
  usage: `Usage: npm run demo:client -- [--port P] [--host H] [--shutdown] [--pygase]

  --port P     the quickstart backend's UDP port (default 8080)
  --host H     the quickstart backend's host (default localhost)
  --shutdown   ask the backend to shut down when done (it does if this client is its host)
  --pygase     speak PyGaSe's own protocol, to play on a Python PyGaSe backend`,
  flags: {
    port: { type: 'string', default: '8080' },
    host: { type: 'string', default: 'localhost' },
    shutdown: { type: 'boolean', default: false },
    pygase: { type: 'boolean', default: false },
  },
} as const;

runDemo(command, async ({ values }) => {
  const port = portFlag('--port', values.port);
  const client = new Client<Quickstart, QuickstartEvents>({
    logger: consoleLogger,
    protocol: values.pygase ? 'pygase' : 'rxgase',
  });
  await client.connect(port, values.host);
  const print = (state: Quickstart): void => console.log(JSON.stringify(state));
  print(client.state);
  // Values float32 holds exactly: PyGaSe's protocol sends every float as float32, so 0.1 comes back as
  // 0.10000000149011612.
  for (const bar of [0.25, 1.0, 2.5]) {
    await lastValueFrom(client.dispatchEvent('SET_BAR', { new_bar: bar }, { retries: 5 }), {
      defaultValue: undefined,
    });
    print(await client.waitUntil((state) => state.bar === bar));
  }
  await lastValueFrom(client.dispatchEvent('RESET_FOO', {}, { retries: 5 }), {
    defaultValue: undefined,
  });
  print(await client.waitUntil((state) => state.foo < 0.1));
  await client.disconnect({ shutdownServer: values.shutdown });
});
