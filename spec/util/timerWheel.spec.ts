import { Subscription, VirtualAction, VirtualTimeScheduler, interval, take } from 'rxjs';
import type { SchedulerAction, SchedulerLike } from 'rxjs';
import { TimerWheel } from '../../lib/util/timerWheel';

/** A virtual scheduler, and how many timers were set on it. */
function beneath() {
  const scheduler = new VirtualTimeScheduler(VirtualAction, Infinity);
  let timers = 0;
  const counted: SchedulerLike = {
    now: () => scheduler.now(),
    schedule: (...args: Parameters<SchedulerLike['schedule']>) => {
      timers++;
      return scheduler.schedule(...args);
    },
  };
  return { scheduler, counted, timers: () => timers };
}

/** A wheel on a virtual scheduler, and how many of the timers set beneath it wait still. */
function watched() {
  const scheduler = new VirtualTimeScheduler(VirtualAction, Infinity);
  const timers: { readonly timer: Subscription; ran: boolean }[] = [];
  const wheel = new TimerWheel({
    now: () => scheduler.now(),
    schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay?: number, state?: T) {
      const entry = { timer: Subscription.EMPTY, ran: false };
      entry.timer = scheduler.schedule<T>(
        function (this: SchedulerAction<T>, given?: T) {
          entry.ran = true;
          work.call(this, given);
        },
        delay,
        state,
      );
      timers.push(entry);
      return entry.timer;
    },
  });
  // A timer that ran is not closed, but waits no more.
  const open = (): number => timers.filter(({ timer, ran }) => !timer.closed && !ran).length;
  return { scheduler, wheel, open };
}

describe('TimerWheel', () => {
  it('runs what is due in one slot from one timer beneath, in the order it was scheduled', () => {
    const { scheduler, counted, timers } = beneath();
    const wheel = new TimerWheel(counted);
    const ran: string[] = [];
    for (let i = 0; i < 100; i++) wheel.schedule(() => ran.push(`${i} at ${wheel.now()}`), 10);
    wheel.schedule(() => ran.push(`late at ${wheel.now()}`), 20);
    scheduler.flush();
    expect(ran).toEqual([...Array.from({ length: 100 }, (_, i) => `${i} at 10`), 'late at 20']);
    expect(timers()).toBe(2);
  });

  it('never runs early: a delay is rounded up to the end of its slot', () => {
    const { scheduler, counted } = beneath();
    const wheel = new TimerWheel(counted, 5);
    const ran: number[] = [];
    scheduler.schedule(() => wheel.schedule(() => ran.push(wheel.now()), 3.125), 1);
    wheel.schedule(() => ran.push(wheel.now()), 10);
    scheduler.flush();
    expect(ran).toEqual([5, 10]);
  });

  it('skips what was cancelled, and sets no timer for a slot scheduled earlier than the next', () => {
    const { scheduler, counted } = beneath();
    const wheel = new TimerWheel(counted);
    const ran: string[] = [];
    const cancelled = wheel.schedule(() => ran.push('cancelled'), 10);
    wheel.schedule(() => ran.push('kept'), 10);
    wheel.schedule(() => ran.push('first'), 5);
    cancelled.unsubscribe();
    scheduler.flush();
    expect(ran).toEqual(['first', 'kept']);
    expect(cancelled.closed).toBe(true);
  });

  it('keeps no timer beneath once every action waiting was cancelled', () => {
    const { scheduler, wheel, open } = watched();
    const soon = wheel.schedule(() => undefined, 10);
    const later = wheel.schedule(() => undefined, 5000);
    expect(open()).toBe(1);
    soon.unsubscribe();
    // The later one still waits: a timer is set for it.
    expect(open()).toBe(1);
    later.unsubscribe();
    expect(open()).toBe(0);
    // And the wheel works on as before.
    const ran: number[] = [];
    wheel.schedule(() => ran.push(wheel.now()), 20);
    scheduler.flush();
    expect(ran).toEqual([20]);
    expect(open()).toBe(0);
  });

  it('keeps no timer beneath after its last action ran, when the others were cancelled', () => {
    const { scheduler, wheel, open } = watched();
    const later = wheel.schedule(() => undefined, 5000);
    // The first to run cancels the later one, from inside the slot.
    wheel.schedule(() => later.unsubscribe(), 10);
    scheduler.flush();
    expect(open()).toBe(0);
    expect(scheduler.now()).toBe(10);
  });

  it('lets an action schedule itself again, as interval does', () => {
    const { scheduler, counted } = beneath();
    const wheel = new TimerWheel(counted);
    const beats: number[] = [];
    interval(25, wheel)
      .pipe(take(4))
      .subscribe(() => beats.push(wheel.now()));
    scheduler.flush();
    expect(beats).toEqual([25, 50, 75, 100]);
  });

  it('runs what a running action schedules for now in the next slot, as asyncScheduler would later', () => {
    const { scheduler, counted } = beneath();
    const wheel = new TimerWheel(counted);
    const ran: string[] = [];
    wheel.schedule(() => {
      ran.push(`outer at ${wheel.now()}`);
      wheel.schedule(() => ran.push(`inner at ${wheel.now()}`), 0);
    }, 4);
    scheduler.flush();
    expect(ran).toEqual(['outer at 4', 'inner at 5']);
  });

  it('throws on what an action throws, after the rest of its slot ran', () => {
    const { scheduler, counted } = beneath();
    const wheel = new TimerWheel(counted);
    const ran: string[] = [];
    const failing = wheel.schedule(() => {
      throw new Error('boom');
    }, 3);
    wheel.schedule(() => ran.push('after'), 3);
    wheel.schedule(() => ran.push('later'), 7);
    expect(() => scheduler.flush()).toThrow('boom');
    expect(ran).toEqual(['after']);
    expect(failing.closed).toBe(true);
    // The virtual scheduler beneath dropped every timer when it threw; the next schedule sets one.
    wheel.schedule(() => ran.push('next'), 9);
    scheduler.flush();
    expect(ran).toEqual(['after', 'later', 'next']);
  });

  it('runs on asyncScheduler by default, and never before its delay', async () => {
    const wheel = new TimerWheel();
    const start = wheel.now();
    const ranAt = await new Promise<number>((resolve) =>
      wheel.schedule(() => resolve(wheel.now()), 2),
    );
    expect(ranAt).toBeGreaterThanOrEqual(start + 2);
  });

  it('takes no delay as 0, and never runs what has no finite delay or was cancelled', () => {
    const { scheduler, counted } = beneath();
    const wheel = new TimerWheel(counted);
    const ran: string[] = [];
    wheel.schedule(() => ran.push(`soon at ${wheel.now()}`));
    wheel.schedule(() => ran.push('never'), Infinity);
    const cancelled = wheel.schedule(function (this: SchedulerAction<unknown>) {
      ran.push('cancelled');
    }, 5) as SchedulerAction<unknown>;
    cancelled.unsubscribe();
    cancelled.schedule(undefined, 1);
    scheduler.flush();
    expect(ran).toEqual(['soon at 0']);
  });

  it('runs slots scheduled in any order in time order', () => {
    const { scheduler, counted } = beneath();
    const wheel = new TimerWheel(counted);
    const ran: number[] = [];
    // A scrambled order of 1..60, so the heap of slots moves both ways.
    const delays = Array.from({ length: 60 }, (_, i) => ((i * 37) % 60) + 1);
    for (const delay of delays) wheel.schedule(() => ran.push(wheel.now()), delay);
    scheduler.flush();
    expect(ran).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
  });

  describe('its clock', () => {
    /** A virtual scheduler whose clock counts its reads. */
    function clocked() {
      const scheduler = new VirtualTimeScheduler(VirtualAction, Infinity);
      let reads = 0;
      const counted: SchedulerLike = {
        now: () => {
          reads++;
          return scheduler.now();
        },
        schedule: (...args: Parameters<SchedulerLike['schedule']>) => scheduler.schedule(...args),
      };
      return { scheduler, wheel: new TimerWheel(counted), reads: () => reads };
    }

    it('gives the actions of a slot the time it started, read once for all of them', () => {
      const { scheduler, wheel, reads } = clocked();
      const seen: number[] = [];
      for (let i = 0; i < 50; i++) {
        wheel.schedule(() => {
          seen.push(wheel.now(), wheel.now());
          // What an action schedules counts from that time too.
          if (i === 0) wheel.schedule(() => seen.push(wheel.now()), 5);
        }, 10);
      }
      const before = reads();
      scheduler.flush();
      expect(seen).toEqual([...Array(100).fill(10), 15]);
      // The timer beneath of each of the two slots: its due slots, its time, and its next timer.
      expect(reads() - before).toBeLessThanOrEqual(8);
    });

    it('is held at one reading from hold to release, holds nesting, and reads the clock beneath again after', () => {
      const { scheduler, wheel, reads } = clocked();
      scheduler.schedule(() => {
        wheel.hold();
        const at = wheel.now();
        const before = reads();
        wheel.hold();
        expect([wheel.now(), wheel.now()]).toEqual([at, at]);
        wheel.release();
        expect(wheel.now()).toBe(at);
        wheel.release();
        expect(reads()).toBe(before);
        expect(wheel.now()).toBe(7);
        expect(reads()).toBe(before + 1);
        // One release too many is no hold of a later reading, and takes nothing off a later hold.
        wheel.release();
        expect(wheel.now()).toBe(7);
        expect(reads()).toBe(before + 2);
        wheel.hold();
        expect([wheel.now(), wheel.now()]).toEqual([7, 7]);
        expect(reads()).toBe(before + 3);
        wheel.release();
      }, 7);
      scheduler.flush();
      expect.assertions(9);
    });

    it('gives an action that holds it the slot time still', () => {
      const { scheduler, wheel, reads } = clocked();
      const seen: number[] = [];
      wheel.schedule(() => {
        const before = reads();
        wheel.hold();
        seen.push(wheel.now());
        wheel.release();
        seen.push(wheel.now(), reads() - before);
      }, 3);
      scheduler.flush();
      expect(seen).toEqual([3, 3, 0]);
    });
  });
});
