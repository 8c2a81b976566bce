/**
 * A cluster on this machine: room server processes (one per core by default) on a Redis, and a
 * matchmaker in front of them. `npm run cluster` runs the rooms module you name; `npm run
 * demo:cluster` runs the demo's arena on two processes.
 *
 *   npm run cluster -- --rooms ./my-rooms.ts [--redis URL] [--processes N] [--port P] [--host H]
 *
 * A client joins through the matchmaker:
 *   new Client({ matchmaker: 'http://localhost:2567', credentials: 'ann' }).joinOrCreate('arena')
 */
import { randomBytes } from 'node:crypto';
import { runCluster } from '../../lib/index';
import { UsageError, countFlag, portFlag, runDemo } from '../args';

const command = {
  usage: `Usage: npm run cluster -- --rooms MODULE [--redis URL] [--processes N] [--port P] [--host H]

  --rooms MODULE   the module whose default export defines the room types on a RoomServer
  --redis URL      the Redis the processes share (default redis://localhost:6379)
  --processes N    room server processes (default one per core)
  --port P         the matchmaker's HTTP port (default 2567)
  --host H         where the room servers and the matchmaker listen (default localhost)

The connect tokens' secret is RXGASE_CLUSTER_SECRET, or a random one for this run.`,
  flags: {
    rooms: { type: 'string' },
    redis: { type: 'string', default: 'redis://localhost:6379' },
    processes: { type: 'string' },
    port: { type: 'string', default: '2567' },
    host: { type: 'string', default: 'localhost' },
  },
} as const;

runDemo(command, async ({ values }) => {
  if (values.rooms === undefined)
    throw new UsageError('--rooms is needed: the module of the room types');
  const cluster = await runCluster({
    rooms: values.rooms,
    redis: values.redis,
    secret: process.env.RXGASE_CLUSTER_SECRET ?? randomBytes(24).toString('base64url'),
    ...(values.processes !== undefined && {
      processes: countFlag('--processes', values.processes, 1),
    }),
    matchmakerPort: portFlag('--port', values.port),
    host: values.host,
    // Who a player is: what its client sends as credentials, as a name.
    auth: (credentials) => String(credentials ?? 'anonymous'),
  });
  console.log(
    `Matchmaker on http://${cluster.matchmaker.host}:${cluster.matchmaker.port}, in front of ${cluster.processes.length} room servers:`,
  );
  for (const { processId, address } of cluster.processes) {
    console.log(`  ${processId} on udp ${address.host}:${address.port}`);
  }
  console.log('Stop with Ctrl-C.');
  process.once('SIGINT', () => void cluster.stop().then(() => console.log('Stopped.')));
});
