import { VirtualAction, VirtualTimeScheduler } from 'rxjs';
import {
  PackageOverflowError,
  StateTooLargeError,
  UnencodableValueError,
} from '../../lib/protocol/errors';
import { ReportedCauses, StateWatch, UNSENDABLE_STATE_GRACE_MS } from '../../lib/server/stateWatch';
import type { Unsendable } from '../../lib/server/stateWatch';

function watched() {
  const scheduler = new VirtualTimeScheduler(VirtualAction, Infinity);
  const reported: Error[] = [];
  const givenUp: { at: number; error: Error }[] = [];
  const causes = new ReportedCauses();
  const watch = new StateWatch(scheduler, {
    firstTime: (cause) => causes.firstTime('ann:1', cause),
    report: (error) => reported.push(error),
    giveUp: (error) => givenUp.push({ at: scheduler.now(), error }),
  });
  /** A package every 25 ms for `ms`, each failing with `unsendable`. */
  const failFor = (ms: number, unsendable: Unsendable): void => {
    const until = scheduler.now() + ms;
    for (let at = scheduler.now(); at <= until; at += 25) {
      scheduler.schedule(() => watch.failed(unsendable), at - scheduler.now());
    }
    scheduler.maxFrames = until;
    scheduler.flush();
  };
  return { scheduler, watch, reported, givenUp, causes, failFor };
}

const tooLarge: Unsendable = { update: { time_order: 1 }, room: 2020, size: 3000 };

describe('StateWatch', () => {
  it('reports the first failure with the sizes, and gives up once after the grace', () => {
    const { reported, givenUp, failFor } = watched();
    failFor(UNSENDABLE_STATE_GRACE_MS + 100, tooLarge);
    expect(reported).toHaveLength(1);
    expect(reported[0]).toBeInstanceOf(StateTooLargeError);
    expect(reported[0]).toMatchObject({ code: 'ERR_STATE_TOO_LARGE', size: 3000, room: 2020 });
    expect(givenUp).toHaveLength(1);
    expect(givenUp[0]?.at).toBe(UNSENDABLE_STATE_GRACE_MS);
  });

  it('starts the grace afresh after a package went out', () => {
    const { watch, givenUp, failFor } = watched();
    failFor(UNSENDABLE_STATE_GRACE_MS - 100, tooLarge);
    watch.sent();
    failFor(UNSENDABLE_STATE_GRACE_MS - 100, tooLarge);
    expect(givenUp).toHaveLength(0);
  });

  it('measures an update the encoder refused as too large', () => {
    const { reported, failFor } = watched();
    const update = { time_order: 1, blob: 'x'.repeat(5000) };
    failFor(0, { update, room: 2034, error: new PackageOverflowError('over') });
    expect(reported[0]).toMatchObject({ code: 'ERR_STATE_TOO_LARGE', room: 2034 });
    const { size } = reported[0] as StateTooLargeError;
    expect(size).toBeGreaterThan(5000);
    expect(size).toBeLessThan(5100);
  });

  it('reports each cause once: an unencodable update as what the encoder threw', () => {
    const { reported, failFor } = watched();
    const unencodable = new UnencodableValueError('no');
    failFor(100, tooLarge);
    failFor(100, { update: { time_order: 2 }, room: 2020, error: unencodable });
    failFor(100, tooLarge);
    expect(reported).toEqual([expect.any(StateTooLargeError), unencodable]);
  });

  it('remembers causes by client, forgetting the oldest past its bound', () => {
    const causes = new ReportedCauses();
    expect(causes.firstTime('a', 'X')).toBe(true);
    expect(causes.firstTime('a', 'X')).toBe(false);
    expect(causes.firstTime('b', 'X')).toBe(true);
    for (let i = 0; i < 5000; i++) causes.firstTime(`c${i}`, 'X');
    expect(causes.firstTime('a', 'X')).toBe(true);
  });
});
