import { Subscription, VirtualAction, VirtualTimeScheduler, interval, take } from 'rxjs';
import type { SchedulerAction, SchedulerLike } from 'rxjs';
import { seededRandom } from '../../lib/transport/random';
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

  it('sets its timer beneath for the earliest slot waiting once the scheduler beneath dropped it', () => {
    const scheduler = new VirtualTimeScheduler(VirtualAction, Infinity);
    const wheel = new TimerWheel(scheduler);
    const ran: string[] = [];
    wheel.schedule(() => {
      throw new Error('boom');
    }, 10);
    wheel.schedule(() => ran.push(`due at 50, ran at ${wheel.now()}`), 50);
    expect(() => scheduler.flush()).toThrow('boom');
    // The virtual scheduler dropped every timer as the first action threw, the wheel's too.
    wheel.schedule(() => ran.push(`due at 500, ran at ${wheel.now()}`), 490);
    scheduler.flush();
    expect(ran).toEqual(['due at 50, ran at 50', 'due at 500, ran at 500']);
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

  it('runs far timers at their time, after near ones scheduled for the same slot later', () => {
    const { scheduler, counted, timers } = beneath();
    const wheel = new TimerWheel(counted);
    const ran: string[] = [];
    // 8,192 slots are near at first; these wait far, the last past four laps of the ring.
    wheel.schedule(() => ran.push(`far at ${wheel.now()}`), 20_000);
    wheel.schedule(() => ran.push(`farthest at ${wheel.now()}`), 40_000);
    scheduler.schedule(() => {
      // 19,000 ms on, slot 20,000 is near: this joins the far one, after it.
      wheel.schedule(() => ran.push(`near at ${wheel.now()}`), 1_000);
      wheel.schedule(() => ran.push(`nearer at ${wheel.now()}`), 999);
    }, 19_000);
    scheduler.flush();
    expect(ran).toEqual(['nearer at 19999', 'far at 20000', 'near at 20000', 'farthest at 40000']);
    // A timer beneath for 20,000, then one for 19,999 in its place, for 20,000 again and for
    // 40,000: none for the slots passed in between.
    expect(timers()).toBe(4);
  });

  it('counts its slots afresh once empty, running on past a clock that reads far from 0', () => {
    const { scheduler, counted } = beneath();
    // The clock of a server up for a year, at a time that is no multiple of the slot.
    const start = 365 * 24 * 3_600_000 + 0.25;
    const offset: SchedulerLike = {
      now: () => start + counted.now(),
      schedule: (...args: Parameters<SchedulerLike['schedule']>) => counted.schedule(...args),
    };
    const wheel = new TimerWheel(offset, 5);
    const ran: number[] = [];
    wheel.schedule(() => ran.push(wheel.now() - start), 7);
    // Empty again after that: the next schedule, a little later, counts from its own time.
    scheduler.schedule(() => wheel.schedule(() => ran.push(wheel.now() - start), 1), 12);
    scheduler.flush();
    // Slots end at multiples of 5 ms of the clock beneath: 7.25 rounds up to 9.75, 13.25 to 14.75.
    expect(ran).toEqual([9.75, 14.75]);
  });

  it('runs every action at its slot, in the order scheduled, near or far, cancelled or moved', () => {
    for (let seed = 1; seed <= 25; seed++) {
      const random = seededRandom(seed);
      const scheduler = new VirtualTimeScheduler(VirtualAction, Infinity);
      const wheel = new TimerWheel(scheduler);
      /** Every schedule, in order: when it is due (its slot's time), and whether it was undone. */
      const schedules: { id: number; due: number; undone: boolean; ran: boolean }[] = [];
      const latest = new Map<number, (typeof schedules)[number]>();
      const actions: SchedulerAction<number>[] = [];
      const ran: string[] = [];
      // A few slots many schedules aim at, from far (more than 8,192 slots ahead) and from near.
      // (16,492 and 20,192 are a ring after 8,300 and 12,000.)
      const hot = [8_300, 8_301, 12_000, 16_390, 16_391, 16_492, 20_192, 24_600, 30_000];
      const delay = (now: number): number => {
        const kind = random();
        if (kind < 0.4) return Math.floor(random() * 60);
        if (kind < 0.5) return 8_150 + Math.floor(random() * 100); // about a ring away
        if (kind < 0.6) return 9_000 + Math.floor(random() * 30_000); // far
        const slot = hot.find((at) => at > now + random() * 9_000);
        return slot === undefined ? Math.floor(random() * 60) : slot - now;
      };
      // An action scheduled again for a slot where it had a place, and has not run from, runs
      // from that place, as no place is taken out of a slot: the wheel only skips the places an
      // action left.
      const note = (id: number, due: number): void => {
        const before = latest.get(id);
        if (before !== undefined) before.undone = true;
        const kept = schedules.find((entry) => entry.id === id && entry.due === due && !entry.ran);
        const entry = kept ?? { id, due, undone: false, ran: false };
        entry.undone = false;
        if (kept === undefined) schedules.push(entry);
        latest.set(id, entry);
      };
      function work(this: SchedulerAction<number>, id?: number): void {
        const now = wheel.now();
        ran.push(`${id} at ${now}`);
        (latest.get(id as number) as { ran: boolean }).ran = true;
        latest.delete(id as number);
        // Some go again, as interval does: from inside a slot, a delay of 0 is the next slot.
        if (random() < 0.3) {
          const d = delay(now);
          note(id as number, now + Math.max(1, d));
          this.schedule(id, d);
        }
      }
      let ids = 0;
      // From outside the wheel, at half past a millisecond: due at the end of its slot.
      for (let step = 0; step < 1_000; step++) {
        scheduler.schedule(
          () => {
            const now = scheduler.now();
            const choice = random();
            const target = actions[Math.floor(random() * actions.length)];
            if (choice < 0.6 || target === undefined) {
              const id = ids++;
              const d = delay(now);
              note(id, Math.ceil(now + d));
              actions[id] = wheel.schedule(work, d, id) as SchedulerAction<number>;
            } else if (choice < 0.8) {
              const id = actions.indexOf(target);
              const entry = latest.get(id);
              if (entry !== undefined) entry.undone = true;
              latest.delete(id);
              target.unsubscribe();
            } else {
              const id = actions.indexOf(target);
              if (target.closed) return;
              const d = delay(now);
              note(id, Math.ceil(now + d));
              target.schedule(id, d);
            }
          },
          step * 37.5 + 0.5,
        );
      }
      scheduler.flush();
      const expected = schedules
        .map((entry, order) => ({ ...entry, order }))
        .filter((entry) => !entry.undone)
        .sort((a, b) => a.due - b.due || a.order - b.order)
        .map(({ id, due }) => `${id} at ${due}`);
      expect({ seed, ran }).toEqual({ seed, ran: expected });
    }
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
