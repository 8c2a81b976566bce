/**
 * Child processes of the benchmark, and the little request-and-reply protocol the parent speaks
 * with them over Node's IPC channel.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { extname, join } from 'node:path';

/** A message from the parent; `id` comes back with the reply. */
interface Request {
  readonly id: number;
  readonly body: unknown;
}

/** A child process that answers requests. */
export interface Child {
  /** Sends `body` and resolves with the child's answer. */
  request<T>(body: unknown): Promise<T>;
  /** Ends the child. */
  stop(): void;
}

/**
 * Starts `bench/load/<name>` in a process of its own: the compiled file when the benchmark runs
 * compiled, the TypeScript one through tsx otherwise.
 */
export function startChild(
  name: 'serverProcess' | 'clusterProcess' | 'loadProcess' | 'floodProcess',
  args: string[],
): Child {
  const ext = extname(__filename);
  const child: ChildProcess = fork(join(__dirname, name + ext), args, {
    execArgv: ext === '.ts' ? ['--import', 'tsx'] : [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let nextId = 0;
  const waiting = new Map<
    number,
    { resolve: (value: never) => void; reject: (e: Error) => void }
  >();
  child.on('message', (message: { id: number; reply?: unknown; error?: string }) => {
    const entry = waiting.get(message.id);
    waiting.delete(message.id);
    if (message.error !== undefined) entry?.reject(new Error(`${name}: ${message.error}`));
    else entry?.resolve(message.reply as never);
  });
  child.on('exit', (code) => {
    for (const { reject } of waiting.values()) reject(new Error(`${name} exited with ${code}`));
    waiting.clear();
  });
  return {
    request<T>(body: unknown): Promise<T> {
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        waiting.set(id, { resolve: resolve as (value: never) => void, reject });
        child.send({ id, body } satisfies Request);
      });
    },
    stop(): void {
      child.kill();
    },
  };
}

/** In a child: answers each request with what `handle` returns, and exits when the parent goes. */
export function answerRequests(handle: (body: never) => unknown): void {
  process.on('message', (message: Request) => {
    Promise.resolve()
      .then(() => handle(message.body as never))
      .then(
        (reply) => process.send?.({ id: message.id, reply }),
        (error: unknown) => process.send?.({ id: message.id, error: String(error) }),
      );
  });
  process.on('disconnect', () => process.exit(0));
}
