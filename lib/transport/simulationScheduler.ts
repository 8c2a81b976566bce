import { Subscription } from 'rxjs';
import type { SchedulerAction, SchedulerLike } from 'rxjs';

/** A place in the queue: an action due at a time, the `order`-th scheduled. */
interface Entry {
  readonly due: number;
  readonly order: number;
  readonly action: SimulationAction<unknown>;
}

/**
 * A virtual clock for long simulations: a game of hundreds of connections over a
 * {@link MemoryNetwork} for minutes of virtual time. It runs what is scheduled on it in time order
 * (in scheduling order within one instant), like RxJS's `VirtualTimeScheduler`, with two
 * differences that matter at that size: its queue is a binary heap (`VirtualTimeScheduler` sorts
 * its whole queue at every schedule), and a periodic action does not keep every earlier run
 * alive.
 *
 * The clock moves only when told, with {@link advanceTo} or {@link advanceBy}; promises can settle
 * between two steps.
 *
 * ## Example
 * ```ts
 * const scheduler = new SimulationScheduler();
 * const network = new MemoryNetwork(scheduler);
 * interval(25, scheduler).subscribe((beat) => console.log(scheduler.now(), beat));
 * scheduler.advanceBy(100); // 25 0, 50 1, 75 2, 100 3
 * ```
 *
 * @category Testing
 */
export class SimulationScheduler implements SchedulerLike {
  private time = 0;
  private order = 0;
  private heap: Entry[] = [];
  /** Actions in the queue whose place is current: neither cancelled nor moved. */
  private live = 0;

  /** The virtual time, in milliseconds from 0. */
  now(): number {
    return this.time;
  }

  /** How many actions wait to run: a measure of the timers a simulation holds. */
  get pending(): number {
    return this.live;
  }

  /**
   * Runs `work` `delay` ms from now; it may schedule itself again through `this.schedule`.
   *
   * @return What cancels it.
   */
  schedule<T>(
    work: (this: SchedulerAction<T>, state?: T) => void,
    delay = 0,
    state?: T,
  ): Subscription {
    return new SimulationAction(this, work).schedule(state, delay);
  }

  /**
   * Runs every action due up to `time`, including those they schedule in that span, and leaves
   * the clock at `time` (or where it was, if that is later).
   *
   * @throws Whatever an action throws; the clock stays at that action's time.
   */
  advanceTo(time: number): void {
    for (let entry = this.heap[0]; entry !== undefined && entry.due <= time; entry = this.heap[0]) {
      this.pop();
      const { action } = entry;
      if (action.entry !== entry) continue; // cancelled or moved since
      action.entry = undefined;
      this.live--;
      this.time = entry.due;
      action.run();
    }
    this.time = Math.max(this.time, time);
  }

  /** Runs what is due in the next `ms` milliseconds; see {@link advanceTo}. */
  advanceBy(ms: number): void {
    this.advanceTo(this.time + ms);
  }

  /** @internal Puts `action` in the queue `delay` ms from now, in place of where it was. */
  enqueue(action: SimulationAction<unknown>, delay: number): void {
    if (action.entry === undefined) this.live++;
    const entry: Entry = { due: this.time + Math.max(0, delay), order: this.order++, action };
    action.entry = entry;
    this.push(entry);
  }

  /** @internal Takes `action` out of the queue. */
  cancel(action: SimulationAction<unknown>): void {
    if (action.entry === undefined) return;
    action.entry = undefined;
    this.live--;
    // Cancelled entries stay in the heap until they come up; rebuild it when they dominate.
    if (this.heap.length > 1024 && this.heap.length > 4 * this.live) this.compact();
  }

  private compact(): void {
    const current = this.heap.filter((entry) => entry.action.entry === entry);
    this.heap = [];
    for (const entry of current) this.push(entry);
  }

  private push(entry: Entry): void {
    const heap = this.heap;
    let i = heap.length;
    heap.push(entry);
    // Up from the end while the parent comes later.
    for (let parent = (i - 1) >> 1; i > 0; i = parent, parent = (i - 1) >> 1) {
      const above = heap[parent] as Entry;
      if (!before(entry, above)) break;
      heap[i] = above;
    }
    heap[i] = entry;
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop() as Entry;
    if (heap.length === 0) return;
    // The last entry goes down from the root while a child comes earlier.
    let i = 0;
    for (let child = 1; child < heap.length; child = 2 * i + 1) {
      const right = heap[child + 1];
      if (right !== undefined && before(right, heap[child] as Entry)) child++;
      const below = heap[child] as Entry;
      if (!before(below, last)) break;
      heap[i] = below;
      i = child;
    }
    heap[i] = last;
  }
}

function before(a: Entry, b: Entry): boolean {
  return a.due < b.due || (a.due === b.due && a.order < b.order);
}

/** One piece of work on a {@link SimulationScheduler}, which it may schedule again. */
class SimulationAction<T> extends Subscription implements SchedulerAction<T> {
  /** @internal Its place in the queue, if it is in it. */
  entry: Entry | undefined;
  private state: T | undefined;

  constructor(
    private readonly scheduler: SimulationScheduler,
    private readonly work: (this: SchedulerAction<T>, state?: T) => void,
  ) {
    super();
  }

  override unsubscribe(): void {
    if (!this.closed) this.scheduler.cancel(this as SimulationAction<unknown>);
    super.unsubscribe();
  }

  schedule(state?: T, delay = 0): Subscription {
    if (this.closed || !Number.isFinite(delay)) return this;
    this.state = state;
    this.scheduler.enqueue(this as SimulationAction<unknown>, delay);
    return this;
  }

  /** @internal */
  run(): void {
    try {
      this.work.call(this, this.state);
    } catch (error) {
      this.unsubscribe();
      throw error;
    }
  }
}
