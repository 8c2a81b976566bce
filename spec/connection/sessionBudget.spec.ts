import { countEvents, SMALLEST_EVENT_SIZE } from '../../lib/connection/countEvents';
import { emptyStats } from '../../lib/connection/stats';
import {
  BudgetMeter,
  DEFAULT_SESSION_BUDGET,
  checkSessionBudget,
} from '../../lib/connection/sessionBudget';
import type { FloodReport, SessionBudget } from '../../lib/connection/sessionBudget';
import { MAX_PACKAGE_SIZE } from '../../lib/protocol/constants';
import { appendEvents, encodeClientPackage, encodeEvent } from '../../lib/protocol/encode';
import { InvalidArgumentError } from '../../lib/protocol/errors';
import { DATA_OVERHEAD, EVENT_ID_SIZE, encodeData } from '../../lib/protocol/rxgasePackets';
import { URGENT_GAP_DIVISOR } from '../../lib/operators/paceSends';
import { SimulationScheduler } from '../../lib/transport/simulationScheduler';

const session = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
const other = Uint8Array.of(8, 7, 6, 5, 4, 3, 2, 1);
const smallest = encodeEvent({ type: '', args: [], kwargs: {} });

/** A client package of sequence `sequence` with `events` of the smallest events. */
function pygasePackage(sequence: number, events: number): Uint8Array {
  const header = { sequence, ack: 0, ackBitfield: 0 };
  return appendEvents(
    encodeClientPackage({ header, timeOrder: 1, events: [] }),
    Array.from({ length: events }, () => smallest),
  );
}

/** The same in a data packet of `token`. */
function dataPacket(sequence: number, events: number, token = session): Uint8Array {
  return encodeData(
    token,
    Array.from({ length: events }, (_, i) => sequence * 64 + i),
    pygasePackage(sequence, events),
  );
}

/** A meter of `budget` for an rxgase session (`session`), or a PyGaSe client's. */
function metered(budget: SessionBudget = {}, token: Uint8Array | 'pygase' = session) {
  const scheduler = new SimulationScheduler();
  const floods: (FloodReport & { atMs: number })[] = [];
  const counts = emptyStats();
  const meter = new BudgetMeter(budget, {
    scheduler,
    ...(token === 'pygase' ? {} : { session: token }),
    onFlood: (report) => floods.push({ ...report, atMs: scheduler.now() }),
  });
  return { scheduler, floods, counts, meter };
}

describe('countEvents', () => {
  it("reads an rxgase data packet's count of event ids, and a PyGaSe package's entries", () => {
    expect(countEvents(dataPacket(1, 0))).toBe(0);
    expect(countEvents(dataPacket(1, 30))).toBe(30);
    expect(countEvents(pygasePackage(1, 30))).toBe(30);
    expect(smallest.length).toBe(SMALLEST_EVENT_SIZE);
  });

  it('stops at an entry too short to be an event, as decoding would, and counts other bytes as none', () => {
    const empties = new Uint8Array(MAX_PACKAGE_SIZE); // header, time_order, then 1,017 empty entries
    empties.set(pygasePackage(1, 0));
    expect(countEvents(empties)).toBe(0);
    expect(countEvents(Uint8Array.of(0xff, 0xd0, 0xfa, 0xba, 5))).toBe(0);
    expect(countEvents(new Uint8Array(3))).toBe(0);
  });
});

describe('BudgetMeter', () => {
  it('never holds back a client sending at its fastest: 320 packages a second, each full of events', () => {
    const { scheduler, counts, meter, floods } = metered();
    // The most of the smallest events a data packet has room for.
    const full = Math.floor(
      (MAX_PACKAGE_SIZE - DATA_OVERHEAD - pygasePackage(1, 0).length) /
        (smallest.length + 2 + EVENT_ID_SIZE),
    );
    expect(full).toBe(46);
    let admitted = 0;
    for (let sequence = 1; sequence <= 3200; sequence++) {
      scheduler.advanceTo((sequence * 25) / URGENT_GAP_DIVISOR);
      if (meter.admit(dataPacket(sequence, full), counts)) admitted++;
    }
    expect(admitted).toBe(3200);
    expect(counts).toMatchObject({ overBudget: 0, eventsOverBudget: 0 });
    expect(floods).toEqual([]);
  });

  it('lets the burst, then the rate, through a flood, and counts what it drops with its events', () => {
    const { scheduler, counts, meter } = metered({ packagesPerSecond: 100, packageBurst: 10 });
    // 1,000 packages a second of 30 events for one second, 10 every 10 ms: the burst of 10 and
    // the 100 that come back pass.
    let admitted = 0;
    let sequence = 0;
    for (let ms = 0; ms <= 1000; ms += 10) {
      scheduler.advanceTo(ms);
      for (let i = 0; i < 10; i++) if (meter.admit(dataPacket(++sequence, 30), counts)) admitted++;
    }
    expect(admitted).toBe(110);
    expect(counts).toMatchObject({ overBudget: 900, eventsOverBudget: 900 * 30 });
  });

  it('limits events on their own: small packages pass while their events are within the rate', () => {
    const { scheduler, counts, meter } = metered({ eventsPerSecond: 1000, eventBurst: 255 });
    let events = 0;
    for (let sequence = 1; sequence <= 200; sequence++) {
      scheduler.advanceTo(sequence * 5); // 200 packages a second, well within 640
      if (meter.admit(dataPacket(sequence, 40), counts)) events += 40;
    }
    // One second: the burst of 255 and 1,000 more, in whole packages of 40.
    expect(events).toBeGreaterThan(1000);
    expect(events).toBeLessThanOrEqual(1255);
    expect(counts.overBudget).toBe(200 - events / 40);
  });

  it('reports a flood once, after floodSeconds seconds in a row with more than half dropped', () => {
    const { scheduler, counts, meter, floods } = metered();
    // 5,000 packages a second of 30 events: what the attacker sent.
    let sequence = 0;
    const floodFor = (ms: number): void => {
      const until = scheduler.now() + ms;
      while (scheduler.now() < until) {
        scheduler.advanceTo(scheduler.now() + 0.2);
        meter.admit(dataPacket(++sequence, 30), counts);
      }
    };
    floodFor(2999);
    expect(floods).toEqual([]);
    floodFor(2);
    expect(floods).toEqual([
      {
        seconds: 3,
        overBudget: expect.any(Number),
        eventsOverBudget: expect.any(Number),
        atMs: expect.any(Number),
      },
    ]);
    expect(floods[0]!.atMs).toBeCloseTo(3000, 0);
    expect(floods[0]!.eventsOverBudget).toBe(floods[0]!.overBudget * 30);
    // Most of the flood was dropped: 640 a second and the burst of 320 passed.
    expect(counts.overBudget).toBeGreaterThan(15_000 - 640 * 3 - 320 - 10);
    floodFor(3000);
    expect(floods).toHaveLength(1);
  });

  it('forgives a flood broken by a quiet second', () => {
    const { scheduler, counts, meter, floods } = metered({ floodSeconds: 2 });
    let sequence = 0;
    for (let round = 0; round < 5; round++) {
      // 1.9 s of flood, then 1.1 s of silence: never two whole seconds in a row.
      const start = round * 3000;
      for (let ms = start; ms < start + 1900; ms += 0.5) {
        scheduler.advanceTo(ms);
        meter.admit(dataPacket(++sequence, 1), counts);
      }
    }
    expect(counts.overBudget).toBeGreaterThan(0);
    expect(floods).toEqual([]);
  });

  it("charges no replays of the session's packages, nor another session's, and drops replays undecoded", () => {
    const { scheduler, counts, meter } = metered({ packagesPerSecond: 10, packageBurst: 5 });
    const mine = [1, 2, 3].map((sequence) => dataPacket(sequence, 1));
    for (const packet of mine) expect(meter.admit(packet, counts)).toBe(true);
    // Replayed 1,000 times: dropped as duplicates, and the budget untouched.
    for (let i = 0; i < 1000; i++) expect(meter.admit(mine[i % 3]!, counts)).toBe(false);
    expect(counts).toMatchObject({ duplicates: 1000, overBudget: 0 });
    // Another token: not this session's to pay for; its decoder refuses it.
    for (let i = 0; i < 1000; i++)
      expect(meter.admit(dataPacket(100 + i, 1, other), counts)).toBe(true);
    expect(counts.overBudget).toBe(0);
    // So the session's own next packages still pass: the burst had 2 left.
    scheduler.advanceTo(1);
    expect(meter.admit(dataPacket(4, 1), counts)).toBe(true);
    expect(meter.admit(dataPacket(5, 1), counts)).toBe(true);
    expect(meter.admit(dataPacket(6, 1), counts)).toBe(false);
    // Far behind the newest: stale.
    expect(meter.admit(dataPacket(60, 1), counts)).toBe(false);
    expect(meter.admit(dataPacket(10, 1), counts)).toBe(false);
    expect(counts.stale).toBe(1);
  });

  it("meters a PyGaSe client's packages, whatever their sequence numbers", () => {
    const { counts, meter } = metered({ packagesPerSecond: 10, packageBurst: 3 }, 'pygase');
    const same = pygasePackage(7, 2);
    expect([1, 2, 3, 4].map(() => meter.admit(same, counts))).toEqual([true, true, true, false]);
    expect(counts).toMatchObject({ overBudget: 1, eventsOverBudget: 2, duplicates: 0 });
  });
});

describe('checkSessionBudget', () => {
  it.each([
    [{ packagesPerSecond: 0 }, 'sessionBudget.packagesPerSecond'],
    [{ packageBurst: 0.5 }, 'sessionBudget.packageBurst'],
    [{ eventsPerSecond: Number.NaN }, 'sessionBudget.eventsPerSecond'],
    [{ eventBurst: 254 }, 'sessionBudget.eventBurst'],
    [{ floodSeconds: 1.5 }, 'sessionBudget.floodSeconds'],
    [{ floodSeconds: '3' }, 'sessionBudget.floodSeconds'],
    ['fast', 'sessionBudget'],
    [null, 'sessionBudget'],
  ])('refuses %p, naming %s', (budget, name) => {
    expect(() => checkSessionBudget(budget)).toThrow(InvalidArgumentError);
    expect(() => checkSessionBudget(budget)).toThrow(name);
  });

  it('takes false, nothing, and the defaults', () => {
    for (const budget of [false, undefined, {}, DEFAULT_SESSION_BUDGET]) {
      expect(() => checkSessionBudget(budget)).not.toThrow();
    }
  });
});
