import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { Redis } from 'ioredis';

/*
 * A real redis-server for the cluster's specs and the bench's cluster scenario, on a free port,
 * started and stopped by its user.
 * It is found by the REDIS_SERVER variable, then on the PATH; where it is missing and this user
 * may (root, with apt-get), it is installed from Debian's package, saying so in one line;
 * elsewhere the spec fails at once with the command to run.
 */

const INSTALL = 'apt-get install -y redis-server';

/** The path of a redis-server, installed first if it is missing and may be. */
export function findRedisServer(): string {
  const named = process.env.REDIS_SERVER;
  if (named !== undefined && named !== '') {
    if (!existsSync(named)) throw new Error(`REDIS_SERVER names ${named}, which does not exist`);
    return named;
  }
  const onPath = (): string | undefined =>
    [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/sbin']
      .map((dir) => join(dir, 'redis-server'))
      .find((path) => existsSync(path));
  const found = onPath();
  if (found !== undefined) return found;
  const apt = ['/usr/bin/apt-get', '/bin/apt-get'].find((path) => existsSync(path));
  if (process.getuid?.() !== 0 || apt === undefined) {
    throw new Error(
      `The cluster specs need redis-server: run \`sudo ${INSTALL}\` (or set REDIS_SERVER to its path).`,
    );
  }
  console.log(`redis-server is missing: installing Debian's package (${INSTALL}).`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execFileSync(apt, ['install', '-y', 'redis-server'], { stdio: 'ignore', env });
  } catch {
    execFileSync(apt, ['update'], { stdio: 'ignore', env });
    execFileSync(apt, ['install', '-y', 'redis-server'], { stdio: 'ignore', env });
  }
  const installed = onPath();
  if (installed === undefined)
    throw new Error(`${INSTALL} ran, but no redis-server is on the PATH`);
  return installed;
}

/** A port free on 127.0.0.1 now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A redis-server of the spec's own: its URL, and stop and start again on the same port. */
export interface RunningRedis {
  readonly url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startRedis(): Promise<RunningRedis> {
  const binary = findRedisServer();
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    child = spawn(
      binary,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    // Ready once it answers a PING.
    const probe = new Redis(url, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => 50,
    });
    probe.on('error', () => undefined);
    for (let attempt = 0; ; attempt++) {
      try {
        await probe.connect();
        await probe.ping();
        break;
      } catch (error) {
        if (attempt > 100) {
          // A server that never answered is not left running.
          probe.disconnect();
          child.kill('SIGKILL');
          throw error;
        }
        probe.disconnect();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    probe.disconnect();
  };
  const stop = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };
  await start();
  return { url, stop, start };
}
