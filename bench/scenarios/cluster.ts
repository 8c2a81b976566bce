import { availableParallelism } from 'node:os';
import { startChild } from '../load/child';
import type { LoadTiming } from '../load/loadProcess';
import type { Result } from '../measure';
import type { Step } from './loadSteps';
import { LOAD_PROCESSES, describeStep, measureStep, mostHeld, searchMostHeld } from './loadSteps';
import type { ServerPlan } from './server';

/**
 * Runs `clients` rxgase quickstart clients against a fresh cluster of `processes` room server
 * processes on a Redis of its own: each client asks the matchmaker over HTTP for a seat, does its
 * handshake with the seat's connect token at the room's process, and plays there. The CPU time is
 * the room server processes', summed.
 */
export async function clusterStep(
  processes: number,
  clients: number,
  timing: Omit<LoadTiming, 'startAt'>,
): Promise<Step> {
  const server = startChild('clusterProcess', []);
  try {
    const { matchmaker } = await server.request<{ matchmaker: string }>({
      kind: 'start',
      processes,
    });
    return await measureStep(
      server,
      { matchmaker, roomType: 'quickstart' },
      'quickstart',
      clients,
      timing,
      { loadProcesses: LOAD_PROCESSES, protocol: 'rxgase', countConnections: true },
    );
  } finally {
    server.stop();
  }
}

/**
 * cluster.clients_at_40hz and cluster.cpu_ms_per_client_s: the most rxgase quickstart clients a
 * cluster of one room server process per core keeps at 40 Hz (99% of packages delivered each way,
 * every event acked), in rooms of 50 placed by the matchmaker; against the same cluster with one
 * process, in the same run. Found as the one-server figure is (see `searchMostHeld`). The CPU per
 * client-second is the processes' summed at the first step, against the one process's.
 *
 * The load runs on the same machine: what it takes of the cores, the cluster cannot have.
 *
 * @param progress Told about each step.
 */
export async function clusterLoad(
  plan: ServerPlan,
  progress: (line: string) => void,
): Promise<Result[]> {
  const cores = availableParallelism();
  const search = (processes: number): Promise<Step[]> =>
    searchMostHeld(plan.firstStep, plan.maxSteps, 50, async (clients) => {
      const step = await clusterStep(processes, clients, plan.timing);
      progress(`${processes} processes: ${describeStep(step, plan.timing.measureMs)}`);
      return step;
    });
  const one = await search(1);
  const many = await search(cores);
  const clientSeconds = (plan.firstStep * plan.timing.measureMs) / 1000;
  const cpuOne = (one[0]?.serverCpuMs ?? NaN) / clientSeconds;
  const cpuMany = (many[0]?.serverCpuMs ?? NaN) / clientSeconds;
  return [
    {
      name: 'cluster.clients_at_40hz',
      value: mostHeld(many),
      unit: 'clients',
      baseline: mostHeld(one),
      ratio: mostHeld(many) / mostHeld(one),
    },
    {
      name: 'cluster.cpu_ms_per_client_s',
      value: cpuMany,
      unit: 'ms',
      baseline: cpuOne,
      ratio: cpuMany / cpuOne,
    },
  ];
}
