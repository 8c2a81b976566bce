import type { Child } from '../load/child';
import { startChild } from '../load/child';
import type { LoadMode, LoadResult, LoadTarget, LoadTiming } from '../load/loadProcess';
import type { LoadProtocol } from '../load/protocolClient';
import { SEND_INTERVAL_MS } from '../load/protocolClient';
import type { ServedGame, Usage } from '../load/serverProcess';
import { machineBusy, machineTicks, udpReceiveDrops } from '../measure';

/*
 * One step of load (a client count against one server process, measured in a window) and the
 * search for the most clients a server holds, step by step: what the server, cluster and sizing
 * scenarios share.
 */

/** The share of packages that must arrive, each way, for a client count to hold. */
export const DELIVERY_NEEDED = 0.99;
/** Processes the load comes from. */
export const LOAD_PROCESSES = 2;

/** One step of load against one server process. */
export interface Step {
  readonly clients: number;
  readonly load: LoadResult;
  /** CPU time of the server process in the window, in ms. */
  readonly serverCpuMs: number;
  /** Datagrams the echo server handled in the window, when it is one. */
  readonly datagrams: number;
  /** Clients connected to an rxgase server as the window closes; 0 for the echo server. */
  readonly connections: number;
  /**
   * Datagrams the machine's UDP sockets dropped in the window for a full receive buffer (the
   * server's or the load's), if known.
   */
  readonly udpDrops: number | undefined;
  /** How late the server's event loop ran its timers in the window, p99, in ms; NaN if unknown. */
  readonly loopDelayP99Ms: number;
  /**
   * Datagrams the server's connections sent in the window, if known (of those open at its close:
   * a connection that closed in it takes its count along).
   */
  readonly serverSent: number | undefined;
  /** The most connections congestion avoidance throttled to 20 Hz at once in the window, if known. */
  readonly throttled: number | undefined;
  /** The share of the whole machine's CPU (0..1) busy in the window: the load runs on it too. */
  readonly machineBusy: number;
  /** Why the count does not hold, in words; empty when it holds. */
  readonly shortfalls: readonly string[];
  readonly holds: boolean;
}

function sleepUntil(wallClock: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, wallClock - Date.now())));
}

/** Adds up the counts of the load processes. */
function sum(results: readonly LoadResult[]): LoadResult {
  const total: Record<string, number> = {};
  for (const result of results) {
    for (const [key, value] of Object.entries(result)) {
      if (typeof value !== 'number') continue;
      total[key] =
        key === 'maxLateMs' ? Math.max(total[key] ?? 0, value) : (total[key] ?? 0) + value;
    }
  }
  const eventAcksMs = results.flatMap((result) => result.eventAcksMs);
  return { ...(total as unknown as LoadResult), eventAcksMs };
}

/**
 * Why `clients` clients of `mode` do not hold, from what the window counted: fewer server
 * packages than 99% of one every 25 ms to each client, fewer than 99% of the clients' packages
 * acked, an event not acked, or (`connections` given) clients the server did not take.
 */
export function shortfalls(
  mode: LoadMode,
  clients: number,
  load: LoadResult,
  measureMs: number,
  connections?: number,
): string[] {
  const reasons: string[] = [];
  const percent = (part: number, whole: number): string => `${((100 * part) / whole).toFixed(1)}%`;
  if (connections !== undefined && connections < clients) {
    reasons.push(`the server had only ${connections} of the ${clients} clients connected`);
  }
  const expected = (clients * measureMs) / SEND_INTERVAL_MS;
  if (load.received < DELIVERY_NEEDED * expected) {
    reasons.push(`the clients received ${percent(load.received, expected)} of the server packages`);
  }
  // Bare datagrams have no acks: for them, what comes back is all.
  const bare = mode === 'raw' || mode === 'flood';
  if (!bare && load.acked < DELIVERY_NEEDED * load.sent) {
    reasons.push(`the server acked ${percent(load.acked, load.sent)} of the client packages`);
  }
  if (load.eventsAcked < load.eventsSent) {
    reasons.push(
      `${load.eventsSent - load.eventsAcked} of ${load.eventsSent} events were not acked`,
    );
  }
  return reasons;
}

/**
 * Runs `clients` clients of `mode` against a fresh `game` server: a server process, and the load
 * split over the load processes. The server's CPU time is read as the window opens and closes.
 */
export async function loadStep(
  game: ServedGame,
  mode: LoadMode,
  clients: number,
  timing: Omit<LoadTiming, 'startAt'>,
  loadProcesses = LOAD_PROCESSES,
  protocol: LoadProtocol = 'pygase',
): Promise<Step> {
  const server = startChild('serverProcess', []);
  try {
    const { port } = await server.request<{ port: number }>({ kind: 'start', game });
    // The echo server has no connections to count.
    const options = {
      loadProcesses,
      protocol,
      countConnections: game !== 'echo' && game !== 'nativeEcho',
    };
    return await measureStep(server, { port }, mode, clients, timing, options);
  } finally {
    server.stop();
  }
}

/**
 * Runs `clients` clients of `mode` against a server already started in `server` (a child that
 * answers `usage`), at `target`: the load split over the load processes, and the server's CPU time
 * read as the window opens and closes.
 */
export async function measureStep(
  server: Child,
  target: LoadTarget,
  mode: LoadMode,
  clients: number,
  timing: Omit<LoadTiming, 'startAt'>,
  options: {
    readonly loadProcesses: number;
    readonly protocol: LoadProtocol;
    readonly countConnections: boolean;
  },
): Promise<Step> {
  const { loadProcesses, protocol } = options;
  const loads = Array.from({ length: loadProcesses }, () => startChild('loadProcess', []));
  try {
    await Promise.all(
      loads.map((load, i) => {
        const share = Math.floor(clients / loadProcesses) + (i < clients % loadProcesses ? 1 : 0);
        return load.request({ kind: 'bind', mode, target, clients: share, protocol });
      }),
    );
    const startAt = Date.now() + 200;
    const runs = Promise.all(
      loads.map((load) => load.request<LoadResult>({ kind: 'run', startAt, ...timing })),
    );
    const opens = startAt + timing.rampMs + timing.warmupMs;
    await sleepUntil(opens);
    const before = await server.request<Usage>({ kind: 'usage' });
    const machineBefore = machineTicks();
    const dropsBefore = udpReceiveDrops();
    await sleepUntil(opens + timing.measureMs);
    const machineAfter = machineTicks();
    const dropsAfter = udpReceiveDrops();
    const after = await server.request<Usage>({ kind: 'usage' });
    const load = sum(await runs);
    const connections = options.countConnections ? after.connections : undefined;
    const reasons = shortfalls(mode, clients, load, timing.measureMs, connections);
    return {
      clients,
      load,
      serverCpuMs: after.cpuMs - before.cpuMs,
      datagrams: after.datagrams - before.datagrams,
      connections: after.connections,
      throttled: after.throttled,
      serverSent:
        before.sent === undefined || after.sent === undefined
          ? undefined
          : after.sent - before.sent,
      udpDrops:
        dropsBefore === undefined || dropsAfter === undefined
          ? undefined
          : dropsAfter - dropsBefore,
      // NaN, unknown, crosses the IPC channel as JSON's null.
      loopDelayP99Ms: after.loopDelayP99Ms ?? NaN,
      machineBusy: machineBusy(machineBefore, machineAfter),
      shortfalls: reasons,
      holds: reasons.length === 0,
    };
  } finally {
    for (const load of loads) load.stop();
  }
}

/** What a step shows, for the progress line. */
export function describeStep(step: Step, measureMs: number): string {
  const { load, clients } = step;
  const expected = (clients * measureMs) / SEND_INTERVAL_MS;
  const percent = (part: number, whole: number): string =>
    whole === 0 ? '-' : `${((100 * part) / whole).toFixed(1)}%`;
  return (
    `${clients} clients: ${step.holds ? 'holds' : 'falls short'} ` +
    `(server packages ${percent(load.received, expected)}, client packages acked ` +
    `${percent(load.acked, load.sent)}, events acked ${load.eventsAcked}/${load.eventsSent}, ` +
    `server CPU ${((100 * step.serverCpuMs) / measureMs).toFixed(0)}%, load CPU ` +
    `${((100 * load.cpuMs) / measureMs).toFixed(0)}%, machine busy ` +
    `${(100 * step.machineBusy).toFixed(0)}%, ` +
    (step.throttled === undefined ? '' : `up to ${step.throttled} throttled to 20 Hz, `) +
    (step.udpDrops === undefined ? '' : `${step.udpDrops} UDP receive drops, `) +
    (step.serverSent === undefined
      ? ''
      : `server sent ${percent(step.serverSent, expected)} of the packages due, `) +
    (Number.isNaN(step.loopDelayP99Ms)
      ? ''
      : `server loop late by ${step.loopDelayP99Ms.toFixed(0)} ms (p99), `) +
    `load late by up to ` +
    `${load.maxLateMs.toFixed(0)} ms)`
  );
}

/**
 * The steps of a search for the most clients held: from `first`, the count grows by half while
 * it holds; once one falls short, the gap between the most held and the fewest not is halved,
 * counts rounded to `grain`, until the gap closes or `maxSteps` were tried.
 *
 * @param tryStep Runs one step of load at a client count.
 */
export async function searchMostHeld(
  first: number,
  maxSteps: number,
  grain: number,
  tryStep: (clients: number) => Promise<Step>,
): Promise<Step[]> {
  const steps: Step[] = [];
  let held = 0;
  let failed = Infinity;
  let clients = first;
  for (let i = 0; i < maxSteps; i++) {
    const step = await tryStep(clients);
    steps.push(step);
    if (step.holds) held = Math.max(held, clients);
    else failed = Math.min(failed, clients);
    const next = failed === Infinity ? clients * 1.5 : (held + failed) / 2;
    clients = Math.round(next / grain) * grain;
    if (clients <= held || clients >= failed) break;
  }
  return steps;
}

/** The most clients of `steps` that held, or 0. */
export function mostHeld(steps: readonly Step[]): number {
  return Math.max(0, ...steps.filter((step) => step.holds).map((step) => step.clients));
}
