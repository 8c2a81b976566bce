import { lastValueFrom } from 'rxjs';
import { Client } from '../../lib/index';
import type { Child } from '../load/child';
import { startChild } from '../load/child';
import type { Result } from '../measure';
import { now, percentile } from '../measure';

/** Resolves after about `ms` of real time. */
function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Each player dispatches PING events one at a time, 5 to 10 ms apart, for `ms`: the time from
 * each dispatch to its ack, in ms, and how many were not acked.
 */
async function pings(
  players: readonly Client[],
  ms: number,
): Promise<{ times: number[]; lost: number }> {
  const times: number[] = [];
  let lost = 0;
  const until = Date.now() + ms;
  await Promise.all(
    players.map(async (player) => {
      while (Date.now() < until) {
        await pause(5 + Math.random() * 5);
        const start = now();
        try {
          await lastValueFrom(player.dispatchEvent('PING', [], {}, { retries: 3 }), {
            defaultValue: undefined,
          });
          times.push(Number(now() - start) / 1e6);
        } catch {
          lost++;
        }
      }
    }),
  );
  return { times, lost };
}

/**
 * server.flood_event_ack_p99_ms: two players' event acks at a server (PyGaSe's quickstart
 * `Backend`, in a process of its own) while a client floods it from inside its session, 5,000
 * packages a second of 30 events from a third process, against the same players' acks just before
 * the flood, in the same run. The flooder is kicked after 3 s of it and comes back at once through
 * the handshake, as an attacker would.
 */
export async function floodAck(phaseMs: number): Promise<Result[]> {
  const children: Child[] = [];
  const players: Client[] = [];
  try {
    const server = startChild('serverProcess', []);
    children.push(server);
    const { port } = await server.request<{ port: number }>({ kind: 'start', game: 'quickstart' });
    for (let i = 0; i < 2; i++) {
      const player = new Client();
      players.push(player);
      await player.connect(port, '127.0.0.1');
    }
    await pings(players, 500); // warm-up
    const quiet = await pings(players, phaseMs);
    const flooder = startChild('floodProcess', []);
    children.push(flooder);
    await flooder.request({ kind: 'start', port });
    await pause(500); // the flood under way
    const loud = await pings(players, phaseMs);
    const { sent, kicks } = await flooder.request<{ sent: number; kicks: number }>({
      kind: 'stop',
    });
    const p99 = percentile(loud.times, 99);
    const base = percentile(quiet.times, 99);
    console.log(
      `    flood: ${sent} packages sent, kicked ${kicks} times; acks p50 ${percentile(loud.times, 50).toFixed(2)} ms (quiet ${percentile(quiet.times, 50).toFixed(2)}), ${loud.lost} of ${loud.times.length + loud.lost} not acked`,
    );
    return [
      {
        name: 'server.flood_event_ack_p99_ms',
        value: p99,
        unit: 'ms',
        baseline: base,
        ratio: p99 / base,
      },
    ];
  } finally {
    for (const player of players) await player.disconnect().catch(() => undefined);
    for (const child of children) child.stop();
  }
}
