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
import { consoleLogger, hostAndPort } from '../args';
import type { Quickstart, QuickstartEvents } from './game';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const { host, port } = hostAndPort(argv, { host: 'localhost', port: 8080 });
  const client = new Client<Quickstart, QuickstartEvents>({
    logger: consoleLogger,
    protocol: argv.includes('--pygase') ? 'pygase' : 'rxgase',
  });
  await client.connect(port, host);
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
  await client.disconnect({ shutdownServer: argv.includes('--shutdown') });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exitCode = 1;
});
