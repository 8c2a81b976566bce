/**
 * The load's place on the machine it shares with the server under test: behind the server. A
 * server in production has its machine to itself, and its clients are elsewhere; here both share
 * two cores, and a load process at the server's priority takes a core from it whenever both want
 * one. Measured at 700 quickstart PyGaSe clients, the server's event loop then waited for a core
 * 27 to 34% of the time and missed its beat, with the machine not full; behind the server
 * (SCHED_IDLE), 6 to 7%.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * Puts this process, all its threads and the processes it starts after, behind every other for
 * the CPU: Linux's SCHED_IDLE (through util-linux's `chrt`), which runs only on a core no other
 * process wants; where that cannot be had, the lowest nice priority.
 *
 * @return What it got, in words: `SCHED_IDLE` or `nice 19`; or why it got neither.
 */
export function yieldToServer(): string {
  try {
    execFileSync('chrt', ['--all-tasks', '--idle', '--pid', '0', String(process.pid)], {
      stdio: 'ignore',
    });
    return 'SCHED_IDLE';
  } catch {
    try {
      // On Linux a nice priority is a thread's: each of the process's threads gets it.
      const tasks = existsSync('/proc/self/task') ? readdirSync('/proc/self/task') : ['0'];
      for (const task of tasks) setPriority(Number(task), 19);
      return 'nice 19';
    } catch (error) {
      return `its priority unchanged (${String(error)})`;
    }
  }
}
