import type { Child } from '../load/child';
import { startChild } from '../load/child';
import type { InProcessUsage } from '../load/inProcessLoad';
import { SEND_INTERVAL_MS } from '../load/protocolClient';
import type { Result } from '../measure';

/**
 * What a server may spend besides its system calls, per client-second, as a share of what those
 * calls cost (the echo's CPU per client-second), for one core to hold 70% of the echo's ceiling:
 * 1 / 0.7 of the echo in all, so 0.43 of it on top.
 */
export const CODE_SHARE_TARGET = 1 / 0.7 - 1;

/**
 * server.code_ms_per_client_s: the CPU one server process spends on rxgase's own code per
 * client-second, with `clients` PyGaSe clients of PyGaSe's quickstart game in the same process and
 * no socket between them (see inProcessLoad.ts), less what the clients themselves cost; against
 * `echoMsPerClientS`, a bare UDP echo's CPU per client-second measured in the same run: the
 * system calls a client costs any server. The ratio is the figure to watch: with no load sharing
 * its machine, a server holds 70% of the echo's ceiling on a core once it is at most
 * {@link CODE_SHARE_TARGET}.
 *
 * And server.receive_ns_per_datagram, from the same run: what the server's receive path takes
 * for a datagram of one of its many clients (one in 8 timed), from its transport's call to the
 * last of what the datagram set off, against `decodeClientPackage` of the same datagram, bare.
 * Each client's objects are touched once every 25 ms, and are out of the processor's caches by
 * then: this is the receive path's cost as a server meets it, which a loop of datagrams into one
 * connection (`receive.ns_per_datagram`) does not show.
 *
 * @throws If the server did not have every client, or did not send each and take from each
 *   about 40 packages a second: the figure would time something else.
 */
export async function serverCode(
  clients: number,
  timing: { readonly warmupMs: number; readonly measureMs: number },
  echoMsPerClientS: number,
): Promise<[Result, Result]> {
  const { warmupMs, measureMs } = timing;
  const run = (kind: 'harness' | 'server'): Promise<InProcessUsage> => {
    const child: Child = startChild('serverProcess', []);
    return child
      .request<InProcessUsage>({ kind: 'inProcess', of: kind, clients, warmupMs, measureMs })
      .finally(() => child.stop());
  };
  const harness = await run('harness');
  const server = await run('server');
  const due = (clients * server.wallMs) / SEND_INTERVAL_MS;
  if (server.connections !== clients || server.sent < 0.9 * due || server.received < 0.9 * due) {
    throw new Error(
      `the in-process server had ${server.connections} of ${clients} clients, sent ${server.sent} and took ${server.received} of ${Math.round(due)} packages due each way`,
    );
  }
  const perClientS = (usage: InProcessUsage): number =>
    usage.cpuMs / ((clients * usage.wallMs) / 1000);
  const value = perClientS(server) - perClientS(harness);
  return [
    {
      name: 'server.code_ms_per_client_s',
      value,
      unit: 'ms',
      baseline: echoMsPerClientS,
      ratio: value / echoMsPerClientS,
    },
    {
      name: 'server.receive_ns_per_datagram',
      value: server.receiveNs,
      unit: 'ns',
      baseline: server.decodeNs,
      ratio: server.receiveNs / server.decodeNs,
    },
  ];
}
