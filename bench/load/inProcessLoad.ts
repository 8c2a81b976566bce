/**
 * A server's own code under load, without sockets: PyGaSe's quickstart game on a `Backend` whose
 * transport is a few functions in memory, and PyGaSe clients in the same process that hand it
 * their packages at 40 Hz each, ack what it sends them and send a PING a second. What the process
 * spends is rxgase's receive path, game loop and send beat, with no system call, no kernel and no
 * load process sharing the machine: the part of a server's CPU that is rxgase's to make smaller.
 *
 * The clients cost CPU too; the same clients handing their packages to nothing are measured in
 * a process of their own first, and that is the harness's share, to take away. What the clients
 * do with the server's packages (note the sequence number to ack, decode one in 64 for the state
 * they report) is not in that share: the figure holds it, a little more than the server's own.
 */
import { Observable } from 'rxjs';
import type { Subscriber } from 'rxjs';
import { decodeClientPackage, decodeServerPackage, encodeClientPackage } from '../../lib/index';
import type { Datagram, GameEvent, Transport } from '../../lib/index';
import { quickstartBackend } from '../games/quickstart';
import { SEND_INTERVAL_MS } from './protocolClient';

/** What one run measured. */
export interface InProcessUsage {
  /** CPU time of the process, user and system, in the window, in ms. */
  readonly cpuMs: number;
  /** How long the window was, in ms. */
  readonly wallMs: number;
  /** Datagrams the server sent in the window. */
  readonly sent: number;
  /** Packages the server's connections took in the window. */
  readonly received: number;
  /** Clients the server had as the window closed. */
  readonly connections: number;
  /**
   * Nanoseconds the server's receive path took for a datagram, from its transport's call to the
   * last of what it set off, on average over one datagram in {@link SAMPLE_EVERY} of the window;
   * NaN where no server ran.
   */
  readonly receiveNs: number;
  /** Nanoseconds `decodeClientPackage` took for the same datagrams, bare: the receive's floor. */
  readonly decodeNs: number;
}

/**
 * One datagram in so many has its receive path timed: reading the clock for each would be some
 * of what the code figure measures.
 */
export const SAMPLE_EVERY = 8;

/** Where the clients' datagrams go: a server's transport, or nothing. */
type Sink = (datagram: Datagram) => void;

/** The port of the first client; the others follow. */
const FIRST_PORT = 10_000;

/** A PING every 40 packages: one a second at 40 Hz. */
const PING_EVERY = 40;

const PING: GameEvent = { type: 'PING', args: [], kwargs: {} };

/**
 * Sends each client's package in its turn, spread over the send interval as the load processes
 * spread theirs: every millisecond, the clients due. Runs until the returned function stops it.
 */
function drive(clients: number, sink: Sink, acks: Map<number, number>, clock: () => number) {
  const sequences = new Array<number>(clients).fill(0);
  let timeOrder = 0;
  let sentBy = 0;
  const start = clock();
  const beat = setInterval(() => {
    const due = Math.floor(((clock() - start) * clients) / SEND_INTERVAL_MS);
    for (; sentBy < due; sentBy++) {
      const client = sentBy % clients;
      const port = FIRST_PORT + client;
      const sequence = (sequences[client] = ((sequences[client] as number) % 0xffff) + 1);
      const ack = acks.get(port) ?? 0;
      const round = Math.floor(sentBy / clients);
      const data = encodeClientPackage({
        header: { sequence, ack, ackBitfield: ack === 0 ? 0 : 0xffffffff },
        timeOrder,
        events: round % PING_EVERY === client % PING_EVERY ? [PING] : [],
      });
      sink({ data, address: { host: '127.0.0.1', port } });
    }
  }, 1);
  return {
    /** The clients report this `time_order` from now on: the state they hold. */
    report: (next: number) => {
      timeOrder = next;
    },
    stop: () => clearInterval(beat),
  };
}

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The CPU and wall time of the window after the warm-up, and what the counts counted in it. */
async function window<K extends string>(
  warmupMs: number,
  measureMs: number,
  counts: Readonly<Record<K, () => number>>,
): Promise<{ cpuMs: number; wallMs: number } & Record<K, number>> {
  const keys = Object.keys(counts) as K[];
  const read = (): Record<K, number> =>
    Object.fromEntries(keys.map((key) => [key, counts[key]()])) as Record<K, number>;
  await sleep(warmupMs);
  const countsBefore = read();
  const cpuBefore = cpuMs();
  const wallBefore = performance.now();
  await sleep(measureMs);
  const used = cpuMs() - cpuBefore;
  const wallMs = performance.now() - wallBefore;
  const countsAfter = read();
  const changed = Object.fromEntries(
    keys.map((key) => [key, countsAfter[key] - countsBefore[key]]),
  ) as Record<K, number>;
  return { cpuMs: used, wallMs, ...changed };
}

/** The clients alone, their packages handed to nothing: the harness's own CPU. */
export async function harnessOnly(
  clients: number,
  warmupMs: number,
  measureMs: number,
): Promise<InProcessUsage> {
  const load = drive(
    clients,
    () => undefined,
    new Map(),
    () => performance.now(),
  );
  try {
    const measured = await window(warmupMs, measureMs, {});
    return { ...measured, sent: 0, received: 0, connections: 0, receiveNs: NaN, decodeNs: NaN };
  } finally {
    load.stop();
  }
}

/** The quickstart server with `clients` PyGaSe clients in the same process. */
export async function serverInProcess(
  clients: number,
  warmupMs: number,
  measureMs: number,
): Promise<InProcessUsage> {
  let receiver: Subscriber<Datagram> | undefined;
  const acks = new Map<number, number>();
  let sent = 0;
  // The datagrams timed, and their nanoseconds received and decoded bare.
  const timed = { datagrams: 0, receiveNs: 0n, decodeNs: 0n };
  let handed = 0;
  // The clients start now: what they send before the server listens goes nowhere.
  const load = drive(
    clients,
    (datagram) => {
      if (++handed % SAMPLE_EVERY !== 0 || receiver === undefined) return receiver?.next(datagram);
      const before = process.hrtime.bigint();
      decodeClientPackage(datagram.data);
      const decoded = process.hrtime.bigint();
      receiver.next(datagram);
      const after = process.hrtime.bigint();
      timed.datagrams++;
      timed.decodeNs += decoded - before;
      timed.receiveNs += after - decoded;
    },
    acks,
    () => performance.now(),
  );
  const transport: Transport = {
    address: { host: '127.0.0.1', port: 1 },
    datagrams$: new Observable<Datagram>((subscriber) => {
      receiver = subscriber;
    }),
    send: ({ data, address }) => {
      // Acked with the client's next package, as a client in sync does.
      acks.set(address.port, ((data[4] as number) << 8) | (data[5] as number));
      // A state the clients hold, now and then: they report it, and get the changes since.
      if (sent++ % 64 === 0) {
        const update = decodeServerPackage(data).update;
        if (update !== undefined) load.report(update.time_order);
      }
    },
    close: () => receiver?.complete(),
  };
  const backend = quickstartBackend({ bind: () => Promise.resolve(transport) });
  await backend.run('127.0.0.1', 0);
  try {
    const received = (): number => {
      let packages = 0;
      for (const connection of backend.server.connections.values()) {
        packages += connection.stats.packagesIn;
      }
      return packages;
    };
    const { timedDatagrams, receiveNs, decodeNs, ...measured } = await window(warmupMs, measureMs, {
      sent: () => sent,
      received,
      timedDatagrams: () => timed.datagrams,
      receiveNs: () => Number(timed.receiveNs),
      decodeNs: () => Number(timed.decodeNs),
    });
    return {
      ...measured,
      connections: backend.server.connections.size,
      receiveNs: receiveNs / timedDatagrams,
      decodeNs: decodeNs / timedDatagrams,
    };
  } finally {
    load.stop();
    await backend.shutdown();
  }
}
