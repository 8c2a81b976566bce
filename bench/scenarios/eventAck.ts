import { createSocket } from 'node:dgram';
import { lastValueFrom } from 'rxjs';
import { bindUdp, connectTo, plainPackages } from '../../lib/index';
import type { Connection } from '../../lib/index';
import type { Transport } from '../../lib/index';
import type { Result } from '../measure';
import { now, percentile } from '../measure';

/** Raw UDP ping-pong round trips on 127.0.0.1, in ms: the floor for an event's ack. */
async function udpPingPong(rounds: number): Promise<number[]> {
  const echo = createSocket('udp4');
  const ping = createSocket('udp4');
  await Promise.all([
    new Promise<void>((resolve) => echo.bind(0, '127.0.0.1', resolve)),
    new Promise<void>((resolve) => ping.bind(0, '127.0.0.1', resolve)),
  ]);
  echo.on('message', (data, from) => echo.send(data, from.port, from.address));
  const port = echo.address().port;
  const times: number[] = [];
  for (let i = 0; i < rounds + 100; i++) {
    const start = now();
    await new Promise<void>((resolve) => {
      ping.once('message', () => resolve());
      ping.send(Buffer.alloc(32), port, '127.0.0.1');
    });
    if (i >= 100) times.push(Number(now() - start) / 1e6);
  }
  echo.close();
  ping.close();
  return times;
}

function connect(self: Transport, peer: Transport): Connection {
  return connectTo(self, peer.address, { codec: plainPackages }).open();
}

/** Resolves after about `ms` of real time: the gap that makes a link idle between events. */
function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * An event dispatched until its ack is in, in ms: `burst` at a time, with `idleMs` (plus up to as
 * much again, at random) between rounds, so an idle link meets events at every phase of its beat.
 */
async function eventAcks(rounds: number, burst: number, idleMs: number): Promise<number[]> {
  const [a, b] = await Promise.all([bindUdp(), bindUdp()]);
  const client = connect(a, b);
  const server = connect(b, a);
  const times: number[] = [];
  for (let i = 0; i < rounds / burst + 10; i++) {
    if (idleMs > 0) await pause(idleMs + Math.random() * idleMs);
    const start = now();
    await Promise.all(
      Array.from({ length: burst }, () =>
        lastValueFrom(
          client.dispatchEvent({ type: 'PING', args: [i], kwargs: {} }, { retries: 3 }),
          {
            defaultValue: undefined,
          },
        ).then(() => {
          if (i >= 10) times.push(Number(now() - start) / 1e6);
        }),
      ),
    );
  }
  client.close();
  server.close();
  a.close();
  b.close();
  return times;
}

/**
 * e2e.event_ack_p50_ms and _p99_ms: an rxgase event's ack over real UDP, one at a time on an idle
 * link and in bursts of 10, against the raw ping-pong; and, for the record, events back to back,
 * where the send pace (an eighth of the 25 ms beat between urgent packages) sets the time.
 */
export async function eventAck(rounds = 1000): Promise<Result[]> {
  const pingPong = await udpPingPong(rounds);
  const single = await eventAcks(rounds, 1, 5);
  const burst = await eventAcks(rounds, 10, 5);
  const backToBack = await eventAcks(rounds, 1, 0);
  const base50 = percentile(pingPong, 50);
  const base99 = percentile(pingPong, 99);
  const p50 = percentile(single, 50);
  const p99 = percentile([...single, ...burst], 99);
  const busy = percentile(backToBack, 50);
  return [
    { name: 'e2e.event_ack_p50_ms', value: p50, unit: 'ms', baseline: base50, ratio: p50 / base50 },
    { name: 'e2e.event_ack_p99_ms', value: p99, unit: 'ms', baseline: base99, ratio: p99 / base99 },
    {
      name: 'e2e.event_ack_back_to_back_p50_ms',
      value: busy,
      unit: 'ms',
      baseline: base50,
      ratio: busy / base50,
    },
  ];
}
