import type { LoadTiming } from '../load/loadProcess';
import type { LoadProtocol } from '../load/protocolClient';
import { nativeUdp } from '../../lib/transport/nativeUdp';
import type { Result } from '../measure';
import type { Step } from './loadSteps';
import { LOAD_PROCESSES, describeStep, loadStep, mostHeld, searchMostHeld } from './loadSteps';
import { CODE_SHARE_TARGET, serverCode } from './serverCode';

/** Datagrams a second a client costs a server at 40 Hz: 40 in, 40 out. */
const DATAGRAMS_PER_CLIENT_S = 80;

/** How long the phases of one load step take, and which client counts are tried. */
export interface ServerPlan {
  readonly timing: Omit<LoadTiming, 'startAt'>;
  /** The client count where the search starts; the CPU per client-second is measured there. */
  readonly firstStep: number;
  /** How many client counts are tried at most. */
  readonly maxSteps: number;
  /** How long the echo server's ceiling is measured, in ms. */
  readonly ceilingMs: number;
  /**
   * How long the in-process server of `server.code_ms_per_client_s` runs before its window, in
   * ms: long enough for its code to be compiled, as a server's is for all but its first seconds.
   */
  readonly codeWarmupMs: number;
}

/**
 * The echo server's ceiling: datagrams in and out a second while the load floods it, in the
 * clients it could serve at 80 datagrams a second each. The echo is on a `node:dgram` socket, or
 * (`nativeEcho`) on rxgase's native one.
 */
export async function datagramCeiling(
  ms: number,
  echo: 'echo' | 'nativeEcho' = 'echo',
): Promise<number> {
  const timing = { rampMs: 0, warmupMs: 500, measureMs: ms, drainMs: 0 };
  const step = await loadStep(echo, 'flood', 64, timing);
  return step.datagrams / (ms / 1000) / DATAGRAMS_PER_CLIENT_S;
}

/**
 * server.clients_at_40hz and server.cpu_ms_per_client_s, for PyGaSe clients, and the same
 * figures for rxgase clients (the handshake, then data packets; a client with nothing to say acks
 * every fourth package and sends every 100 ms at least): the most quickstart clients one server
 * process keeps at 40 Hz with 99% of packages delivered each way and every event acked, found by
 * stepping the count up by half again until it falls short and then halving the gap; against the
 * echo server's ceiling, measured before and after each search (the mean of the two). The CPU per
 * client-second is the server's at the first step (500), against an echo server's for the same
 * datagrams.
 *
 * @param progress Told about each step.
 */
export async function serverLoad(
  plan: ServerPlan,
  progress: (line: string) => void,
): Promise<Result[]> {
  // The machine's speed moves from one minute to the next (here by a third and more), so the
  // ceiling is measured before and after each search, and each search is held against the mean of
  // the two around it: the echo at the moments the server was.
  const ceilingNow = async (when: string): Promise<number> => {
    const ceiling = await datagramCeiling(plan.ceilingMs);
    progress(
      `raw echo ceiling ${when}: ${Math.round(ceiling)} clients (${Math.round(ceiling * DATAGRAMS_PER_CLIENT_S)} datagrams/s)`,
    );
    return ceiling;
  };
  const native = nativeUdp();
  progress(
    'udp' in native
      ? "the servers take rxgase's native UDP socket (batched system calls); the echo of the ceiling takes node:dgram"
      : `the servers take node:dgram: ${native.reason}`,
  );
  const ceilingFirst = await ceilingNow('first');
  // The same echo on the native socket, beside it: what the socket alone is worth.
  const nativeCeiling = 'udp' in native ? await datagramCeiling(plan.ceilingMs, 'nativeEcho') : NaN;
  if ('udp' in native) {
    progress(
      `raw echo ceiling on the native socket: ${Math.round(nativeCeiling)} clients (${Math.round(nativeCeiling * DATAGRAMS_PER_CLIENT_S)} datagrams/s)`,
    );
  }
  const clientSeconds = (plan.firstStep * plan.timing.measureMs) / 1000;
  const echo = await loadStep('echo', 'raw', plan.firstStep, plan.timing);
  progress(
    `raw echo at ${plan.firstStep} clients: CPU ${(echo.serverCpuMs / clientSeconds).toFixed(3)} ms per client-second`,
  );

  const echoMsPerClientS = echo.serverCpuMs / clientSeconds;
  // A run that could not be measured is said, and the other figures go on.
  const codeTiming = { warmupMs: plan.codeWarmupMs, measureMs: plan.timing.measureMs };
  const [code, receive] = await serverCode(plan.firstStep, codeTiming, echoMsPerClientS).catch(
    (error: unknown): [Result, Result] => {
      progress(`rxgase's own code could not be measured: ${String(error)}`);
      return [
        {
          name: 'server.code_ms_per_client_s',
          value: NaN,
          unit: 'ms',
          baseline: echoMsPerClientS,
          ratio: NaN,
        },
        {
          name: 'server.receive_ns_per_datagram',
          value: NaN,
          unit: 'ns',
          baseline: NaN,
          ratio: NaN,
        },
      ];
    },
  );
  if (Number.isFinite(code.value)) {
    progress(
      `rxgase's own code at ${plan.firstStep} clients, in one process without sockets: ${code.value.toFixed(3)} ms per client-second, ${code.ratio.toFixed(2)} of the echo's (target ${CODE_SHARE_TARGET.toFixed(2)}); its receive path ${receive.value.toFixed(0)} ns a datagram, against ${receive.baseline.toFixed(0)} ns to decode it bare`,
    );
  }

  const search = async (protocol: LoadProtocol): Promise<Step[]> =>
    searchMostHeld(plan.firstStep, plan.maxSteps, 50, async (clients) => {
      const step = await loadStep(
        'quickstart',
        'quickstart',
        clients,
        plan.timing,
        LOAD_PROCESSES,
        protocol,
      );
      progress(`${protocol}: ${describeStep(step, plan.timing.measureMs)}`);
      return step;
    });
  const steps = await search('pygase');
  const ceilingBetween = await ceilingNow('between the searches');
  const rxgaseSteps = await search('rxgase');
  const ceilingLast = await ceilingNow('last');
  const ceiling = (ceilingFirst + ceilingBetween) / 2;
  const rxgaseCeiling = (ceilingBetween + ceilingLast) / 2;
  const held = mostHeld(steps);
  const rxgaseHeld = mostHeld(rxgaseSteps);
  const cpuPerClientS = (steps[0]?.serverCpuMs ?? NaN) / clientSeconds;
  const rxgaseCpuPerClientS = (rxgaseSteps[0]?.serverCpuMs ?? NaN) / clientSeconds;
  return [
    {
      name: 'server.clients_at_40hz',
      value: held,
      unit: 'clients',
      baseline: ceiling,
      ratio: held / ceiling,
    },
    {
      name: 'server.rxgase_clients_at_40hz',
      value: rxgaseHeld,
      unit: 'clients',
      baseline: rxgaseCeiling,
      ratio: rxgaseHeld / rxgaseCeiling,
    },
    {
      name: 'server.rxgase_cpu_ms_per_client_s',
      value: rxgaseCpuPerClientS,
      unit: 'ms',
      baseline: echo.serverCpuMs / clientSeconds,
      ratio: rxgaseCpuPerClientS / (echo.serverCpuMs / clientSeconds),
    },
    {
      name: 'server.native_echo_clients',
      value: nativeCeiling,
      unit: 'clients',
      baseline: ceilingFirst,
      ratio: nativeCeiling / ceilingFirst,
    },
    code,
    receive,
    {
      name: 'server.cpu_ms_per_client_s',
      value: cpuPerClientS,
      unit: 'ms',
      baseline: echo.serverCpuMs / clientSeconds,
      ratio: cpuPerClientS / (echo.serverCpuMs / clientSeconds),
    },
  ];
}
