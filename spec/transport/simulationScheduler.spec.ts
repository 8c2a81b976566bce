import {
  VirtualAction,
  VirtualTimeScheduler,
  delay,
  interval,
  map,
  merge,
  of,
  take,
  timer,
} from 'rxjs';
import type { Observable, SchedulerLike } from 'rxjs';
import { seededRandom } from '../../lib/transport/random';
import { SimulationScheduler } from '../../lib/transport/simulationScheduler';

describe('SimulationScheduler', () => {
  it('runs actions in time order, and in scheduling order within one instant', () => {
    const scheduler = new SimulationScheduler();
    const ran: string[] = [];
    scheduler.schedule(() => ran.push('b@20'), 20);
    scheduler.schedule(() => ran.push('a@10'), 10);
    scheduler.schedule(() => ran.push('c@20'), 20);
    scheduler.schedule(() => ran.push('d@0'));
    scheduler.advanceTo(15);
    expect(ran).toEqual(['d@0', 'a@10']);
    expect(scheduler.now()).toBe(15);
    scheduler.advanceBy(5);
    expect(ran).toEqual(['d@0', 'a@10', 'b@20', 'c@20']);
    expect(scheduler.pending).toBe(0);
  });

  it('keeps the order for thousands of actions at random times', () => {
    const scheduler = new SimulationScheduler();
    const random = seededRandom(7);
    const ran: Array<[number, number]> = [];
    const expected: Array<[number, number]> = [];
    for (let order = 0; order < 5000; order++) {
      const due = Math.floor(random() * 1000);
      expected.push([due, order]);
      const action = scheduler.schedule(() => ran.push([scheduler.now(), order]), due);
      if (order % 7 === 0) action.unsubscribe();
    }
    scheduler.advanceTo(1000);
    const kept = expected
      .filter(([, order]) => order % 7 !== 0)
      .sort(([a, i], [b, j]) => a - b || i - j);
    expect(ran).toEqual(kept);
  });

  it('runs what actions schedule within the span, at their own times', () => {
    const scheduler = new SimulationScheduler();
    const at: number[] = [];
    scheduler.schedule<number>(function (count = 0) {
      at.push(scheduler.now());
      if (count < 3) this.schedule(count + 1, 10);
    }, 5);
    scheduler.advanceTo(100);
    expect(at).toEqual([5, 15, 25, 35]);
    expect(scheduler.pending).toBe(0);
  });

  it('does not run a cancelled action, and counts only what waits', () => {
    const scheduler = new SimulationScheduler();
    const ran: number[] = [];
    const first = scheduler.schedule(() => ran.push(1), 10);
    scheduler.schedule(() => ran.push(2), 10);
    expect(scheduler.pending).toBe(2);
    first.unsubscribe();
    first.unsubscribe();
    expect(scheduler.pending).toBe(1);
    scheduler.advanceTo(10);
    expect(ran).toEqual([2]);
  });

  it('moves an action scheduled again before it ran', () => {
    const scheduler = new SimulationScheduler();
    const at: number[] = [];
    const action = scheduler.schedule(() => at.push(scheduler.now()), 10) as unknown as {
      schedule(state?: unknown, delay?: number): void;
    };
    action.schedule(undefined, 30);
    expect(scheduler.pending).toBe(1);
    scheduler.advanceTo(100);
    expect(at).toEqual([30]);
  });

  it('keeps one action for an interval, and drops the cancelled ones it piles up', () => {
    const scheduler = new SimulationScheduler();
    const beats: number[] = [];
    const subscription = interval(25, scheduler).subscribe((beat) => beats.push(beat));
    scheduler.advanceBy(100);
    expect(beats).toEqual([0, 1, 2, 3]);
    expect(scheduler.pending).toBe(1);
    // A silence timer moved at every package: thousands of cancellations.
    for (let i = 0; i < 5000; i++) scheduler.schedule(() => undefined, 1000).unsubscribe();
    expect(scheduler.pending).toBe(1);
    expect((scheduler as unknown as { heap: unknown[] }).heap.length).toBeLessThan(1100);
    subscription.unsubscribe();
    expect(scheduler.pending).toBe(0);
  });

  it('ignores work scheduled at an infinite delay', () => {
    const scheduler = new SimulationScheduler();
    scheduler.schedule(() => {
      throw new Error('never');
    }, Infinity);
    expect(scheduler.pending).toBe(0);
    expect(() => scheduler.advanceTo(1e9)).not.toThrow();
  });

  it('passes on what an action throws, at its time, and drops the action', () => {
    const scheduler = new SimulationScheduler();
    scheduler.schedule(() => {
      throw new Error('broken');
    }, 10);
    const later: number[] = [];
    scheduler.schedule(() => later.push(scheduler.now()), 20);
    expect(() => scheduler.advanceTo(50)).toThrow('broken');
    expect(scheduler.now()).toBe(10);
    scheduler.advanceTo(50);
    expect(later).toEqual([20]);
  });

  it('gives what VirtualTimeScheduler gives, for a pipeline of timers', () => {
    const run = (scheduler: SchedulerLike, advance: () => void): Array<[number, string]> => {
      const seen: Array<[number, string]> = [];
      const streams: Observable<string>[] = [
        interval(7, scheduler).pipe(
          take(20),
          map((i) => `i${i}`),
        ),
        timer(30, 11, scheduler).pipe(
          take(8),
          map((i) => `t${i}`),
        ),
        of('x', 'y').pipe(delay(21, scheduler)),
      ];
      merge(...streams).subscribe((value) => seen.push([scheduler.now(), value]));
      advance();
      return seen;
    };
    const virtual = new VirtualTimeScheduler(VirtualAction, Infinity);
    const simulated = new SimulationScheduler();
    const expected = run(virtual, () => virtual.flush());
    expect(expected.length).toBe(30);
    expect(run(simulated, () => simulated.advanceTo(1000))).toEqual(expected);
  });
});
