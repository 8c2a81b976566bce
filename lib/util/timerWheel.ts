import { Subscription, asyncScheduler } from 'rxjs';
import type { SchedulerAction, SchedulerLike } from 'rxjs';

/**
 * A scheduler for thousands of timers: what is scheduled on it is due in slots of
 * `resolutionMs` (1 ms by default), and each slot is one timer of the scheduler beneath, which
 * runs everything due in it in one loop, in the order it was scheduled. A server with 2,000
 * clients at 40 Hz schedules some 80 sends each millisecond; on `asyncScheduler` each would be a
 * timer of the event loop of its own, set and cleared, where here it is a push onto an array.
 *
 * Nothing runs before its time: a delay is rounded up to the end of its slot, so a timer may run
 * up to `resolutionMs` late. A delay of 0 runs in the next slot, not at once, as on
 * `asyncScheduler`. Actions may schedule themselves again (`interval` does), and cancelling one is
 * marking it: the slot skips it.
 *
 * Its clock is the scheduler beneath's, read once for each slot (its actions see the time it
 * started) and once for each piece of work that holds it (`hold`, such as a server taking a
 * datagram), where a server's connections would read it several times for each datagram and
 * each send, at some 80 ns a read.
 *
 * ## Example
 * ```ts
 * const wheel = new TimerWheel(); // on asyncScheduler, 1 ms slots
 * const server = new Server({ transport, scheduler: wheel });
 * ```
 *
 * @category Transport
 */
export class TimerWheel implements SchedulerLike {
  /** The actions of each slot that has any, by slot number (time / resolution, rounded up). */
  private readonly slots = new Map<number, WheelAction<unknown>[]>();
  /** The slot numbers in `slots`, as a binary min-heap. */
  private readonly heap: number[] = [];
  /** The timer beneath, set for the earliest slot, and that slot. */
  private timer: Subscription | undefined;
  private timerSlot = Infinity;
  /** The slot whose actions run now, or -Infinity. */
  private running = -Infinity;
  /** Actions waiting in a slot, not cancelled: with none, no timer beneath is kept. */
  private waiting = 0;
  /** The time the slot running now started, which its actions read as `now`. */
  private slotTime = 0;
  /** How many {@link hold}s are not released yet, and the time the first read. */
  private holds = 0;
  private heldTime = 0;

  /**
   * @param beneath Whose timers run the slots, and whose clock is read; default `asyncScheduler`.
   * @param resolutionMs How long a slot is, in ms; default 1.
   */
  constructor(
    private readonly beneath: SchedulerLike = asyncScheduler,
    private readonly resolutionMs = 1,
  ) {}

  /**
   * The time of the scheduler beneath. While a slot runs, the time it started: its actions (a
   * server's sends, some dozens a millisecond) read the clock once between them, not each several
   * times, and see one time, as they were due at one. While the clock is held ({@link hold}), the
   * time it was held at.
   */
  now(): number {
    if (this.running !== -Infinity) return this.slotTime;
    return this.holds > 0 ? this.heldTime : this.beneath.now();
  }

  /**
   * Holds the clock for a piece of synchronous work that happens at one moment, such as taking a
   * datagram and all it sets off: until {@link release}, `now` is the time read here, once,
   * however many parts of the work ask. Holds nest; each is released once, before the work
   * returns (a hold kept across timers would place what is scheduled meanwhile by an old time).
   */
  hold(): void {
    if (this.holds === 0) this.heldTime = this.now();
    this.holds++;
  }

  /** Releases a {@link hold}. */
  release(): void {
    if (this.holds > 0) this.holds--;
  }

  /**
   * Runs `work` in the slot `delay` ms from now; it may schedule itself again through
   * `this.schedule`.
   *
   * @return What cancels it.
   */
  schedule<T>(
    work: (this: SchedulerAction<T>, state?: T) => void,
    delay = 0,
    state?: T,
  ): Subscription {
    return new WheelAction(this, work).schedule(state, delay);
  }

  /**
   * @internal Puts `action` in the slot `delay` ms from now; returns that slot's number.
   * @param moved Whether it waited in another slot already (so it is no new waiting action).
   */
  enqueue(action: WheelAction<unknown>, delay: number, moved: boolean): number {
    if (!moved) this.waiting++;
    let slot = Math.ceil((this.now() + Math.max(0, delay)) / this.resolutionMs);
    if (slot <= this.running) slot = this.running + 1;
    const actions = this.slots.get(slot);
    if (actions !== undefined) actions.push(action);
    else {
      this.slots.set(slot, [action]);
      this.push(slot);
      if (this.running === -Infinity && (slot < this.timerSlot || this.timer?.closed !== false))
        this.arm();
    }
    return slot;
  }

  /** @internal A waiting action ran, or was cancelled. */
  leave(): void {
    this.waiting--;
    if (this.running === -Infinity) this.dropIfIdle();
  }

  /**
   * With nothing left to run, the slots hold cancelled actions only: they go, and the timer
   * beneath with them, so that nothing keeps the process alive for work that will never run.
   */
  private dropIfIdle(): void {
    if (this.waiting > 0 || this.heap.length === 0) return;
    this.slots.clear();
    this.heap.length = 0;
    this.arm();
  }

  /**
   * Sets the timer beneath for the earliest slot: called when a slot comes before the one the
   * timer is set for, when the timer is gone (a scheduler beneath may cancel it, as RxJS's virtual
   * ones do on an error), and after the slots that were due ran.
   */
  private arm(): void {
    const slot = this.heap[0];
    this.timer?.unsubscribe();
    this.timer = undefined;
    this.timerSlot = slot ?? Infinity;
    if (slot === undefined) return;
    this.timer = this.beneath.schedule(
      () => this.fire(),
      Math.max(0, slot * this.resolutionMs - this.beneath.now()),
    );
  }

  /** Runs every slot that is due, those its actions add included, then sets the next timer. */
  private fire(): void {
    this.timer = undefined;
    this.timerSlot = Infinity;
    let failure: { error: unknown } | undefined;
    const reached = Math.floor(this.beneath.now() / this.resolutionMs);
    for (let slot = this.heap[0]; slot !== undefined && slot <= reached; slot = this.heap[0]) {
      this.pop();
      const actions = this.slots.get(slot) as WheelAction<unknown>[];
      this.slots.delete(slot);
      this.slotTime = this.beneath.now();
      this.running = slot;
      for (const action of actions) {
        try {
          action.run(slot);
        } catch (error) {
          failure ??= { error };
        }
      }
    }
    this.running = -Infinity;
    this.dropIfIdle();
    this.arm();
    // As on asyncScheduler, what an action throws is thrown on; the others ran all the same.
    if (failure !== undefined) throw failure.error;
  }

  private push(slot: number): void {
    const heap = this.heap;
    let i = heap.length;
    heap.push(slot);
    for (let parent = (i - 1) >> 1; i > 0; i = parent, parent = (i - 1) >> 1) {
      const above = heap[parent] as number;
      if (above <= slot) break;
      heap[i] = above;
    }
    heap[i] = slot;
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop() as number;
    if (heap.length === 0) return;
    let i = 0;
    for (let child = 1; child < heap.length; child = 2 * i + 1) {
      const right = heap[child + 1];
      if (right !== undefined && right < (heap[child] as number)) child++;
      const below = heap[child] as number;
      if (below >= last) break;
      heap[i] = below;
      i = child;
    }
    heap[i] = last;
  }
}

/** One piece of work on a {@link TimerWheel}, which it may schedule again. */
class WheelAction<T> extends Subscription implements SchedulerAction<T> {
  /** The slot it waits in; -1 when it waits in none. A stale place in an older slot is skipped. */
  private slot = -1;
  private state: T | undefined;

  constructor(
    private readonly wheel: TimerWheel,
    private readonly work: (this: SchedulerAction<T>, state?: T) => void,
  ) {
    super();
  }

  /** Cancels it: its slot skips it. (An override, not a finalizer: no closure for every timer.) */
  override unsubscribe(): void {
    if (!this.closed && this.slot !== -1) {
      this.slot = -1;
      this.wheel.leave();
    }
    super.unsubscribe();
  }

  schedule(state?: T, delay = 0): Subscription {
    if (this.closed || !Number.isFinite(delay)) return this;
    this.state = state;
    this.slot = this.wheel.enqueue(this as WheelAction<unknown>, delay, this.slot !== -1);
    return this;
  }

  /** @internal Runs the work, if the action still waits in `slot`. */
  run(slot: number): void {
    if (this.closed || this.slot !== slot) return;
    this.slot = -1;
    this.wheel.leave();
    try {
      this.work.call(this, this.state);
    } catch (error) {
      this.unsubscribe();
      throw error;
    }
  }
}
