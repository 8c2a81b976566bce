import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { VirtualTimeScheduler } from 'rxjs';
import { InvalidArgumentError } from '../../lib/protocol/errors';
import { bindBatched } from '../../lib/transport/batchedUdp';
import { parseIp } from '../../lib/transport/ipAddress';
import { nativeUdp } from '../../lib/transport/nativeUdp';
import type { NativeSocket } from '../../lib/transport/nativeUdp';
import { DEFAULT_READ_INTERVAL_MS, ReadRounds } from '../../lib/transport/readRounds';
import { bindSocket, bindUdp } from '../../lib/transport/udpTransport';

/*
 * A native socket read in rounds: paused once a batch is read, resumed as the interval ends. In
 * virtual time against a socket that records its pauses, then over real UDP on 127.0.0.1.
 */

const SOCKET = {} as NativeSocket;

/** Runs `work` in virtual time with rounds of `intervalMs`; gives each pause as [time, paused]. */
function pausesOf(
  intervalMs: number,
  work: (rounds: ReadRounds, at: (ms: number, step: () => void) => void) => void,
): [number, boolean][] {
  const pauses: [number, boolean][] = [];
  const scheduler = new VirtualTimeScheduler();
  const udp = {
    pauseReading: (socket: NativeSocket, paused: boolean): void => {
      expect(socket).toBe(SOCKET);
      pauses.push([scheduler.now(), paused]);
    },
  };
  const rounds = new ReadRounds(udp, SOCKET, intervalMs, scheduler);
  work(rounds, (ms, step) => void scheduler.schedule(step, ms));
  scheduler.flush();
  return pauses;
}

describe('ReadRounds', () => {
  it('rests a socket for the interval after a batch, then reads it again', () => {
    expect(pausesOf(5, (rounds, at) => at(3, () => rounds.read(true)))).toEqual([
      [3, true],
      [8, false],
    ]);
  });

  it('takes the batches read while it rests as part of the same round', () => {
    const pauses = pausesOf(5, (rounds, at) => {
      at(0, () => rounds.read(true));
      at(0, () => rounds.read(true));
      at(4, () => rounds.read(true));
      at(9, () => rounds.read(true));
    });
    expect(pauses).toEqual([
      [0, true],
      [5, false],
      [9, true],
      [14, false],
    ]);
  });

  it('rests a socket only once a batch drained it, not after a full one', () => {
    const pauses = pausesOf(5, (rounds, at) => {
      at(0, () => rounds.read(false));
      at(0, () => rounds.read(false));
      at(0, () => rounds.read(true));
    });
    expect(pauses).toEqual([
      [0, true],
      [5, false],
    ]);
    expect(pausesOf(5, (rounds, at) => at(0, () => rounds.read(false)))).toEqual([]);
  });

  it('never rests a socket with an interval of 0', () => {
    expect(
      pausesOf(0, (rounds, at) => [0, 1, 2].forEach((ms) => at(ms, () => rounds.read(true)))),
    ).toEqual([]);
  });

  it('cancels the resume that waits when stopped', () => {
    const pauses = pausesOf(5, (rounds, at) => {
      at(1, () => rounds.read(true));
      at(2, () => rounds.stop());
    });
    expect(pauses).toEqual([[1, true]]);
  });

  it('reads once a millisecond by default', () => {
    expect(DEFAULT_READ_INTERVAL_MS).toBe(1);
  });
});

/** The native socket is Linux's: elsewhere these are skipped, and bindUdp takes node:dgram. */
const onLinux = process.platform === 'linux' ? describe : describe.skip;

/** Sends `bytes` from `socket` to 127.0.0.1:`port`, resolving once the system took it. */
function sendTo(socket: Socket, port: number, ...bytes: number[]): Promise<void> {
  return new Promise((resolve, reject) =>
    socket.send(Uint8Array.from(bytes), port, '127.0.0.1', (error) =>
      error ? reject(error) : resolve(),
    ),
  );
}

/**
 * Lets the event loop go round twice. On loopback a datagram is in its receiver's buffer once
 * its send is done, so a socket that is read sees it in the poll of the next round at the latest.
 */
async function twoRounds(): Promise<void> {
  for (let i = 0; i < 2; i++) await new Promise((resolve) => setImmediate(resolve));
}

onLinux('the native UDP socket read in rounds', () => {
  /** A native socket with rounds of `intervalMs` on `scheduler`, and what it took, in order. */
  async function reading(intervalMs: number, scheduler: VirtualTimeScheduler) {
    const found = nativeUdp();
    if (!('udp' in found)) throw new Error(found.reason);
    const transport = bindBatched(
      found.udp,
      4,
      parseIp('127.0.0.1')!,
      0,
      4 * 1024 * 1024,
      intervalMs,
      scheduler,
    );
    const taken: number[] = [];
    let told: (() => void) | undefined;
    transport.datagrams$.subscribe(({ data }) => {
      taken.push(data[0] ?? -1);
      told?.();
    });
    const sender = createSocket('udp4');
    await bindSocket(sender, 0, '127.0.0.1');
    /** Resolves once `count` datagrams were taken in all. */
    const taking = (count: number): Promise<void> =>
      new Promise((resolve) => {
        told = () => taken.length >= count && resolve();
        told();
      });
    const close = (): void => {
      transport.close();
      sender.close();
    };
    return { port: transport.address.port, taken, sender, taking, close };
  }

  it('reads at once, then leaves what comes in the buffer until the interval ends', async () => {
    const scheduler = new VirtualTimeScheduler();
    const { port, taken, sender, taking, close } = await reading(5, scheduler);
    try {
      await sendTo(sender, port, 1);
      await taking(1);
      await sendTo(sender, port, 2);
      await sendTo(sender, port, 3);
      await twoRounds();
      expect(taken).toEqual([1]);
      // The interval ends: both are read, in the order they came.
      scheduler.flush();
      await taking(3);
      expect(taken).toEqual([1, 2, 3]);
    } finally {
      close();
    }
  });

  it('reads a backlog longer than one readiness takes with no rest', async () => {
    const scheduler = new VirtualTimeScheduler();
    const { port, taken, sender, taking, close } = await reading(5, scheduler);
    try {
      await sendTo(sender, port, 0);
      await taking(1);
      // 300 wait while it rests: more than the 256 one readiness reads.
      for (let i = 1; i <= 300; i++) await sendTo(sender, port, i % 256);
      await twoRounds();
      expect(taken).toHaveLength(1);
      // The rest ends once: the whole backlog is read, the last of it at the next readiness.
      scheduler.flush();
      await taking(301);
      expect(taken).toHaveLength(301);
    } finally {
      close();
    }
  });

  it('reads each datagram as it comes with an interval of 0', async () => {
    const scheduler = new VirtualTimeScheduler();
    const { port, taken, sender, taking, close } = await reading(0, scheduler);
    try {
      await sendTo(sender, port, 1);
      await taking(1);
      await sendTo(sender, port, 2);
      await twoRounds();
      expect(taken).toEqual([1, 2]);
      expect(scheduler.actions).toEqual([]);
    } finally {
      close();
    }
  });

  it('sets no rest when it closes as it hands out a batch', async () => {
    const found = nativeUdp();
    if (!('udp' in found)) throw new Error(found.reason);
    const scheduler = new VirtualTimeScheduler();
    const transport = bindBatched(found.udp, 4, parseIp('127.0.0.1')!, 0, 65536, 5, scheduler);
    const sender = createSocket('udp4');
    await bindSocket(sender, 0, '127.0.0.1');
    try {
      const closed = new Promise<void>((resolve) =>
        transport.datagrams$.subscribe({ next: () => transport.close(), complete: resolve }),
      );
      await sendTo(sender, transport.address.port, 1);
      await closed;
      expect(scheduler.actions.every((action) => action.closed)).toBe(true);
    } finally {
      sender.close();
    }
  });

  it('cancels its resume as it closes', async () => {
    const scheduler = new VirtualTimeScheduler();
    const { port, sender, taking, close } = await reading(5, scheduler);
    await sendTo(sender, port, 1);
    await taking(1);
    expect(scheduler.actions).toHaveLength(1);
    close();
    expect(scheduler.actions.every((action) => action.closed)).toBe(true);
  });
});

describe('bindUdp readIntervalMs', () => {
  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31, '1'])('refuses %p', async (value) => {
    await expect(bindUdp({ readIntervalMs: value as number })).rejects.toThrow(
      new InvalidArgumentError(
        `readIntervalMs must be a number from 0 to 2147483647, got ${String(value)}`,
      ),
    );
  });
});
