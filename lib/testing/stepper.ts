import { InvalidArgumentError } from '../protocol/errors';
import type { SimulationScheduler } from '../transport/simulationScheduler';

/**
 * Moves a simulation's clock for whoever waits on it: in steps, letting promises settle between
 * two steps, so `await`s in the code under test go on at the virtual time they were due.
 */
export class Stepper {
  private readonly waiters = new Set<Waiter>();
  private driving = false;

  /** @param stepMs How far the clock moves at most between two settlings of promises. */
  constructor(
    private readonly scheduler: SimulationScheduler,
    private readonly stepMs: number,
  ) {}

  /**
   * Moves virtual time in steps until `done` holds or `timeoutMs` have passed, letting promises
   * settle before each check. Waits that overlap (`Promise.all` of connects, say) share one
   * clock: each step is taken once, for all of them.
   *
   * @return Whether `done` held.
   * @throws {@link InvalidArgumentError} If `timeoutMs` is not a finite number of ms, 0 or more:
   *   a wait of `NaN` would never end, and set the clock to `NaN` for every wait after it.
   */
  passUntil(done: () => boolean, timeoutMs: number): Promise<boolean> {
    if (typeof timeoutMs !== 'number' || !(timeoutMs >= 0) || !Number.isFinite(timeoutMs)) {
      return Promise.reject(
        new InvalidArgumentError(
          `a wait takes a finite number of virtual ms, 0 or more, got ${String(timeoutMs)}`,
        ),
      );
    }
    return new Promise((resolve, reject) => {
      this.waiters.add({ done, deadline: this.scheduler.now() + timeoutMs, resolve, reject });
      void this.drive();
    });
  }

  /** Steps the clock while anyone waits; settles each wait as it ends. */
  private async drive(): Promise<void> {
    if (this.driving) return;
    this.driving = true;
    try {
      while (this.waiters.size > 0) {
        await settlePromises();
        let next = this.scheduler.now() + this.stepMs;
        for (const waiter of this.waiters) {
          const held = waiter.done();
          if (held || this.scheduler.now() >= waiter.deadline) {
            this.waiters.delete(waiter);
            waiter.resolve(held);
          } else {
            next = Math.min(next, waiter.deadline);
          }
        }
        if (this.waiters.size > 0) this.scheduler.advanceTo(next);
      }
    } catch (error) {
      // A timer threw: every wait fails with it, as the clock stopped at it.
      for (const waiter of this.waiters) waiter.reject(error);
      this.waiters.clear();
    } finally {
      this.driving = false;
    }
  }
}

/** One wait on a test world's clock. */
interface Waiter {
  readonly done: () => boolean;
  readonly deadline: number;
  readonly resolve: (held: boolean) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Resolves once every promise that can settle now has settled, all their `then`s included: at
 * the next turn of the event loop. No time passes on the virtual clock meanwhile.
 */
function settlePromises(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
