import { Subscription, asyncScheduler } from 'rxjs';
import type { SchedulerAction, SchedulerLike } from 'rxjs';

/**
 * How many slots the ring holds: what is due within that many slots (8 s at 1 ms, which takes
 * in a connection's send beat, ack timeouts and silence timer) is put in its slot at once; what
 * is due later waits in a heap until it comes near.
 */
const RING_SLOTS = 8192;
const RING_MASK = RING_SLOTS - 1;

// Past ~300 lines with its documentation: one role, a scheduler, whose ring, heap and actions
// hold the same slots between them.
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
 * marking it: the slot skips it. (So one scheduled again for a slot it had a place in, and has
 * not run from, runs from that place.)
 *
 * The slots of the next 8 s (at 1 ms) are places in a ring of arrays, numbered from when the wheel
 * was last empty; later ones wait in a heap until they come near. Where the slots were a map and
 * a heap of times since 1970, a server in process spent about a tenth more CPU (measured side by
 * side).
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
  /**
   * The near slots, from `next` to `RING_SLOTS - 1` after it: slot `s`'s actions are at
   * `s & RING_MASK`, in the order they were scheduled. A slot's actions are an array taken off
   * the ring whole when it runs and put back empty for a later slot, so that a server's sends,
   * due some dozens a millisecond, cost a push each and allocate nothing.
   */
  private readonly ring: (WheelAction<unknown>[] | undefined)[] = new Array(RING_SLOTS);
  /** An empty array, to put in the place of a slot's actions while they run. */
  private spare: WheelAction<unknown>[] = [];
  /** The actions in the ring, the cancelled and moved ones among them until their slot comes. */
  private inRing = 0;
  /**
   * The far slots (`RING_SLOTS` or more after `next`), by slot number, and their numbers as a
   * binary min-heap: each moves into the ring as it comes near, before anything else can be
   * scheduled for it, so a slot's actions still run in the order they were scheduled.
   */
  private readonly far = new Map<number, WheelAction<unknown>[]>();
  private readonly heap: number[] = [];
  /**
   * The first slot not run yet. Slots count from `origin`, a time set whenever the wheel is
   * empty, so that their numbers stay small integers, which arrays and arithmetic take fastest.
   * (A wheel never empty for 12 days at 1 ms slots counts past V8's small integers: its slots
   * still run right, a little slower.)
   */
  private next = 0;
  private origin = 0;
  /** The timer beneath, set for the earliest slot, and that slot. */
  private timer: Subscription | undefined;
  private timerSlot = Infinity;
  /** Whether a slot's actions run now. */
  private running = false;
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
    if (this.running) return this.slotTime;
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
    const now = this.now();
    if (this.inRing === 0 && this.heap.length === 0 && !this.running) {
      // Empty: slots count afresh from here.
      this.origin = Math.floor(now / this.resolutionMs) * this.resolutionMs;
      this.next = 0;
    }
    let slot = Math.ceil((now - this.origin + Math.max(0, delay)) / this.resolutionMs);
    // A slot run already (the one running among them) runs no more: the next one takes it.
    if (slot < this.next) slot = this.next;
    if (slot - this.next < RING_SLOTS) {
      const index = slot & RING_MASK;
      const actions = this.ring[index];
      if (actions === undefined) this.ring[index] = [action];
      else actions.push(action);
      this.inRing++;
    } else {
      const actions = this.far.get(slot);
      if (actions !== undefined) actions.push(action);
      else {
        this.far.set(slot, [action]);
        this.push(slot);
      }
    }
    if (!this.running) {
      // No timer beneath (the wheel was empty, or the scheduler beneath cancelled it): set for
      // the earliest slot, which may be one that waited already.
      if (this.timer?.closed !== false) this.arm(Math.min(slot, this.earliest() ?? slot));
      else if (slot < this.timerSlot) this.arm(slot);
    }
    return slot;
  }

  /** @internal A waiting action ran, or was cancelled. */
  leave(): void {
    this.waiting--;
    if (!this.running) this.dropIfIdle();
  }

  /**
   * With nothing left to run, the slots hold cancelled actions only: they go, and the timer
   * beneath with them, so that nothing keeps the process alive for work that will never run.
   */
  private dropIfIdle(): void {
    if (this.waiting > 0 || (this.inRing === 0 && this.heap.length === 0)) return;
    this.ring.fill(undefined);
    this.inRing = 0;
    this.far.clear();
    this.heap.length = 0;
    this.arm(undefined);
  }

  /**
   * Sets the timer beneath for `slot`, the earliest: called when a slot comes before the one the
   * timer is set for, when the timer is gone (a scheduler beneath may cancel it, as RxJS's virtual
   * ones do on an error), and after the slots that were due ran.
   */
  private arm(slot: number | undefined): void {
    this.timer?.unsubscribe();
    this.timer = undefined;
    this.timerSlot = slot ?? Infinity;
    if (slot === undefined) return;
    this.timer = this.beneath.schedule(
      () => this.fire(),
      Math.max(0, this.origin + slot * this.resolutionMs - this.beneath.now()),
    );
  }

  /** Runs every slot that is due, those its actions add included, then sets the next timer. */
  private fire(): void {
    this.timer = undefined;
    this.timerSlot = Infinity;
    let failure: { error: unknown } | undefined;
    const reached = Math.floor((this.beneath.now() - this.origin) / this.resolutionMs);
    while (this.next <= reached) {
      if (this.inRing === 0) {
        // Nothing near: on to the first far slot, if it is due.
        const far = this.heap[0];
        this.next = far !== undefined && far <= reached ? far : reached + 1;
        this.bringNear();
        continue;
      }
      const slot = this.next;
      const index = slot & RING_MASK;
      const actions = this.ring[index];
      const due = actions !== undefined && actions.length > 0;
      if (due) {
        this.ring[index] = this.spare;
        this.inRing -= actions.length;
      }
      // Its place in the ring is the slot a ring later's now, which may be waiting far.
      this.next = slot + 1;
      this.bringNear();
      if (!due) continue;
      this.slotTime = this.beneath.now();
      this.running = true;
      for (const action of actions) {
        try {
          action.run(slot);
        } catch (error) {
          failure ??= { error };
        }
      }
      this.running = false;
      actions.length = 0;
      this.spare = actions;
    }
    this.dropIfIdle();
    this.arm(this.earliest());
    // As on asyncScheduler, what an action throws is thrown on; the others ran all the same.
    if (failure !== undefined) throw failure.error;
  }

  /** Moves the far slots that are near now into the ring. */
  private bringNear(): void {
    const heap = this.heap;
    while (heap.length > 0 && (heap[0] as number) - this.next < RING_SLOTS) {
      const slot = heap[0] as number;
      this.pop();
      const actions = this.far.get(slot) as WheelAction<unknown>[];
      this.far.delete(slot);
      // Nothing near was scheduled for the slot yet: its place in the ring is empty.
      this.ring[slot & RING_MASK] = actions;
      this.inRing += actions.length;
    }
  }

  /** The earliest slot with actions (cancelled ones, maybe), if any. */
  private earliest(): number | undefined {
    if (this.inRing > 0) {
      for (let slot = this.next; slot - this.next < RING_SLOTS; slot++) {
        const actions = this.ring[slot & RING_MASK];
        if (actions !== undefined && actions.length > 0) return slot;
      }
    }
    return this.heap[0];
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
