/**
 * The server side of the cluster scenario, in a process of its own: a redis-server of its own on
 * a free port, and `runCluster` on it with the quickstart rooms, the matchmaker in this process
 * and each room server in one of its own.
 *
 * Requests: `{ kind: 'start', processes }` answers `{ matchmaker }`, the matchmaker's URL;
 * `{ kind: 'usage' }` answers the CPU time the room server processes used so far, summed, and the
 * clients in their rooms. The room servers and the redis-server stop with this process.
 */
import { readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { runCluster } from '../../lib/index';
import type { RoomInfo, RunningCluster } from '../../lib/index';
import { startRedis } from '../../spec/helpers/redisProcess';
import type { RunningRedis } from '../../spec/helpers/redisProcess';
import { answerRequests } from './child';
import type { Usage } from './serverProcess';

/** Clock ticks a second, in which /proc gives CPU times: 100 on Linux. */
const CLOCK_TICKS = 100;

let redis: RunningRedis | undefined;
let cluster: RunningCluster | undefined;
let matchmaker = '';

/** CPU time a process used so far, user and system, in ms, from /proc (Linux). */
function cpuMsOf(pid: number): number {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    throw new Error(`the cluster scenario reads CPU times from /proc, which has no process ${pid}`);
  }
  // The fields after the command's name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are the 14th and 15th fields of the line: 12th and 13th after the name.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

async function start(processes: number): Promise<{ matchmaker: string }> {
  redis = await startRedis();
  cluster = await runCluster({
    rooms: join(__dirname, '..', 'games', `quickstartRooms${extname(__filename)}`),
    redis: redis.url,
    secret: 'the bench cluster secret, sixteen bytes or more',
    processes,
    matchmakerPort: 0,
    host: '127.0.0.1',
  });
  matchmaker = `http://127.0.0.1:${cluster.matchmaker.port}`;
  return { matchmaker };
}

async function usage(): Promise<Usage> {
  const processes = cluster?.processes ?? [];
  const cpuMs = processes.reduce((sum, { pid }) => sum + cpuMsOf(pid), 0);
  const rooms = (await (await fetch(`${matchmaker}/rooms`)).json()) as RoomInfo[];
  const connections = rooms.reduce((sum, room) => sum + room.clients, 0);
  // The connections' latencies are the room server processes' own.
  return {
    cpuMs,
    connections,
    datagrams: 0,
    sent: undefined,
    throttled: undefined,
    loopDelayP99Ms: NaN,
  };
}

// The room servers leave with this process (they watch their channel to it); the redis-server is
// killed as it exits, whichever way it goes.
process.on('exit', () => void redis?.stop());
process.once('SIGTERM', () => process.exit(0));

answerRequests((body: { kind: 'start'; processes: number } | { kind: 'usage' }) =>
  body.kind === 'start' ? start(body.processes) : usage(),
);
