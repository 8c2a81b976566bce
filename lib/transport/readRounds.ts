import { asyncScheduler } from 'rxjs';
import type { SchedulerAction, SchedulerLike, Subscription } from 'rxjs';
import type { NativeSocket, NativeUdp } from './nativeUdp';

/**
 * How often a native socket is read while datagrams keep coming, by default: once a millisecond.
 *
 * @category Transports
 */
export const DEFAULT_READ_INTERVAL_MS = 1;

/**
 * Reads a native socket in rounds at least `intervalMs` apart: once the socket is read to its last
 * datagram, it is paused, and what comes meanwhile waits in its receive buffer, to be read in one
 * go as the interval ends. A busy server so takes its datagrams many at a time: at 80,000 a
 * second, about 30 to a call into JavaScript where it was 5 or 6. A wake-up of the event loop, a
 * few system calls and a call into JavaScript for each few datagrams were much of what it spent.
 * A datagram waits at most `intervalMs` more; one that comes to a socket read less recently than
 * that is read at once. A backlog (the event loop was held up) is read with no rest until it is
 * gone. With `intervalMs` 0, every readiness is read as it comes.
 *
 * @internal
 */
export class ReadRounds {
  private resuming: Subscription | undefined;
  private stopped = false;

  constructor(
    private readonly udp: Pick<NativeUdp, 'pauseReading'>,
    private readonly socket: NativeSocket,
    private readonly intervalMs: number,
    private readonly scheduler: SchedulerLike = asyncScheduler,
  ) {}

  /**
   * A batch was read. One that `drained` the socket (it held less than a batch) starts a rest until
   * the interval is over, unless one runs already; a full one, after which more may wait, starts
   * none: a backlog, after the event loop was held up, is read as fast as it can be.
   */
  read(drained: boolean): void {
    if (!drained || this.intervalMs === 0 || this.resuming !== undefined || this.stopped) return;
    this.udp.pauseReading(this.socket, true);
    this.resuming = this.scheduler.schedule(resume, this.intervalMs, this);
  }

  /** Reads again: what waits is read at once. */
  resume(): void {
    this.resuming = undefined;
    this.udp.pauseReading(this.socket, false);
  }

  /**
   * Cancels the resume that waits, as the socket closes, and any later rest: the batch being
   * handed out as it closes sets no timer.
   */
  stop(): void {
    this.stopped = true;
    this.resuming?.unsubscribe();
    this.resuming = undefined;
  }
}

/** The work of every socket's resume, one function for all: the rounds are its state. */
function resume(this: SchedulerAction<ReadRounds>, rounds?: ReadRounds): void {
  rounds?.resume();
}
