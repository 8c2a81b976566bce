/**
 * Sizing a game's own server: `npm run bench -- --backend <module> --clients N`. The load of the
 * server scenario (lean PyGaSe clients at 40 Hz, from two processes of their own) against the
 * server the module builds (see backendModule.ts), each client sending the user's events; the
 * figures of one count of clients, or with `find` of each count the search tries.
 */
import type { EventLoad } from './load/behaviours';
import type { LoadTiming } from './load/loadProcess';
import { SEND_INTERVAL_MS } from './load/protocolClient';
import { percentile } from './measure';
import type { Step } from './scenarios/loadSteps';
import { DELIVERY_NEEDED, loadStep, mostHeld, searchMostHeld } from './scenarios/loadSteps';

/** What to run. */
export interface SizingPlan {
  /** The absolute path of the game's module. */
  readonly module: string;
  /** The clients of the one count measured, or the first the search tries. */
  readonly clients: number;
  /** How long each count is measured, in seconds. */
  readonly seconds: number;
  /** What each client sends. */
  readonly load: EventLoad;
  /** Whether to search for the most clients held, from `clients` up. */
  readonly find: boolean;
  /** How many counts the search tries at most. */
  readonly maxSteps: number;
}

/** The figures of one count of clients, over the measured window. */
export interface SizingStep {
  readonly clients: number;
  /** Clients the server had connected as the window closed. */
  readonly connected: number;
  readonly holds: boolean;
  /** Why the count does not hold; empty when it holds. */
  readonly shortfalls: readonly string[];
  /** The server process's CPU time (user and system) per client-second, in ms. */
  readonly serverCpuMsPerClientS: number;
  /** Server packages the clients received, of one every 25 ms to each client (0..1). */
  readonly deliveredToClients: number;
  /** Client packages the server acked within 1 s, of those sent (0..1). */
  readonly deliveredToServer: number;
  readonly eventsSent: number;
  readonly eventsAcked: number;
  /** From an event's package leaving until a server package acks it, in ms; NaN without events. */
  readonly eventAckP50Ms: number;
  readonly eventAckP99Ms: number;
  /** Server packages (each carrying a state update) a client received a second. */
  readonly updatesPerClientS: number;
  /** Bytes (whole datagrams) a client received a second. */
  readonly bytesPerClientS: number;
  /** The latest the load sent a package after it was due, in ms: the load machine's own limit. */
  readonly loadLateMs: number;
}

/** What a sizing run found. */
export interface SizingReport {
  readonly module: string;
  readonly seconds: number;
  readonly events: EventLoad;
  /** Each count measured, in the order tried. */
  readonly steps: readonly SizingStep[];
  /** The most clients held, or 0. */
  readonly held: number;
  /** One line: whether it held, and if not, why. */
  readonly verdict: string;
}

/** The load's phases around the measured window, in ms. */
const RAMP_MS = 1000;
const WARMUP_MS = 3000;
/** At least the 1 s a package may wait for its ack, so that late acks still count. */
const DRAIN_MS = 1000;

/** The figures of a step of load. */
export function figures(step: Step, measureMs: number): SizingStep {
  const { load, clients } = step;
  const clientSeconds = (clients * measureMs) / 1000;
  const expected = (clients * measureMs) / SEND_INTERVAL_MS;
  return {
    clients,
    connected: step.connections,
    holds: step.holds,
    shortfalls: step.shortfalls,
    serverCpuMsPerClientS: step.serverCpuMs / clientSeconds,
    deliveredToClients: load.received / expected,
    deliveredToServer: load.sent === 0 ? NaN : load.acked / load.sent,
    eventsSent: load.eventsSent,
    eventsAcked: load.eventsAcked,
    eventAckP50Ms: percentile(load.eventAcksMs, 50),
    eventAckP99Ms: percentile(load.eventAcksMs, 99),
    updatesPerClientS: load.received / clientSeconds,
    bytesPerClientS: load.bytesIn / clientSeconds,
    loadLateMs: load.maxLateMs,
  };
}

const percent = (ratio: number): string => `${(100 * ratio).toFixed(1)}%`;

/** A caveat when the load fell a beat or more behind: then the limit may be its own. */
function lateNote(step: SizingStep): string {
  return step.loadLateMs < SEND_INTERVAL_MS
    ? ''
    : ` (the load itself fell up to ${step.loadLateMs.toFixed(0)} ms behind its beat: on this ` +
        'machine the load processes may be the limit as much as the server)';
}

/** The verdict on the steps of a run. */
export function verdict(steps: readonly SizingStep[], find: boolean): string {
  const needed = `${percent(DELIVERY_NEEDED)} delivered each way and every event acked`;
  const held = steps.filter((step) => step.holds).sort((a, b) => b.clients - a.clients)[0];
  const short = steps.filter((step) => !step.holds).sort((a, b) => a.clients - b.clients)[0];
  const why = (step: SizingStep): string => `${step.shortfalls.join('; ')}${lateNote(step)}`;
  if (!find) {
    const step = steps[0];
    if (step === undefined) return 'NOT MEASURED: no step ran';
    if (!step.holds) {
      return `DOES NOT HOLD ${step.clients} clients at 40 Hz with ${needed}: ${why(step)}`;
    }
    return (
      `HOLDS ${step.clients} clients at 40 Hz: ${percent(step.deliveredToClients)} of the ` +
      `server's packages and ${percent(step.deliveredToServer)} of the clients' delivered, ` +
      `${step.eventsAcked} of ${step.eventsSent} events acked`
    );
  }
  if (held === undefined) {
    return `HOLDS NONE of the counts tried at 40 Hz with ${needed}; at ${short?.clients ?? '?'}: ${short === undefined ? '' : why(short)}`;
  }
  const limit =
    short === undefined
      ? `every count tried held (${steps.length}); the search stopped there`
      : `at ${short.clients}: ${why(short)}`;
  return `HOLDS AT MOST ${held.clients} clients at 40 Hz with ${needed}; ${limit}`;
}

/**
 * Runs the plan, telling `progress` about each count as it is measured.
 *
 * @returns The report, verdict included; the runs of load themselves throw only when a process
 *   fails (the module does not load, the server does not start).
 */
export async function sizeGame(
  plan: SizingPlan,
  progress: (line: string) => void,
): Promise<SizingReport> {
  const measureMs = plan.seconds * 1000;
  const timing: Omit<LoadTiming, 'startAt'> = {
    rampMs: RAMP_MS,
    warmupMs: WARMUP_MS,
    measureMs,
    drainMs: DRAIN_MS,
  };
  const tryStep = async (clients: number): Promise<Step> => {
    const step = await loadStep({ module: plan.module }, plan.load, clients, timing);
    progress(describe(figures(step, measureMs)));
    return step;
  };
  const grain = Math.max(1, 10 ** Math.floor(Math.log10(plan.clients)) / 10);
  const steps = plan.find
    ? await searchMostHeld(plan.clients, plan.maxSteps, grain, tryStep)
    : [await tryStep(plan.clients)];
  const measured = steps.map((step) => figures(step, measureMs));
  return {
    module: plan.module,
    seconds: plan.seconds,
    events: plan.load,
    steps: measured,
    held: mostHeld(steps),
    verdict: verdict(measured, plan.find),
  };
}

/** One count's figures, in a line. */
export function describe(step: SizingStep): string {
  const ms = (value: number): string => (Number.isNaN(value) ? '-' : `${value.toFixed(2)} ms`);
  return (
    `${step.clients} clients (${step.connected} connected): ${step.holds ? 'holds' : 'falls short'}; ` +
    `server CPU ${step.serverCpuMsPerClientS.toFixed(3)} ms per client-second; delivered ` +
    `${percent(step.deliveredToClients)} to the clients, ${percent(step.deliveredToServer)} to the ` +
    `server; events acked ${step.eventsAcked}/${step.eventsSent}, p50 ${ms(step.eventAckP50Ms)}, ` +
    `p99 ${ms(step.eventAckP99Ms)}; ${step.updatesPerClientS.toFixed(1)} updates and ` +
    `${Math.round(step.bytesPerClientS)} B per client-second; load late by up to ` +
    `${step.loadLateMs.toFixed(0)} ms`
  );
}

/** One count's figures, a line each, to read. */
export function formatStep(step: SizingStep): string {
  const ms = (value: number): string => (Number.isNaN(value) ? '-' : `${value.toFixed(2)} ms`);
  const rows: [string, string][] = [
    ['clients connected', `${step.connected} of ${step.clients}`],
    ['server CPU', `${step.serverCpuMsPerClientS.toFixed(3)} ms per client-second`],
    ['delivered to clients', `${percent(step.deliveredToClients)} of the server's packages`],
    ['delivered to server', `${percent(step.deliveredToServer)} of the clients' packages`],
    ['events acked', `${step.eventsAcked} of ${step.eventsSent}`],
    ['event ack', `p50 ${ms(step.eventAckP50Ms)}, p99 ${ms(step.eventAckP99Ms)}`],
    ['updates received', `${step.updatesPerClientS.toFixed(1)} per client-second`],
    ['bytes received', `${Math.round(step.bytesPerClientS)} per client-second`],
    ['load late by up to', `${step.loadLateMs.toFixed(0)} ms`],
  ];
  return rows.map(([name, value]) => `  ${name.padEnd(22)}${value}`).join('\n');
}
