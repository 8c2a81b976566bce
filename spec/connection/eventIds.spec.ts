import { map } from 'rxjs';
import { Connection } from '../../lib/connection/connection';
import { EVENT_ID_WINDOW, SeenEventIds, nextEventId } from '../../lib/connection/eventIds';
import { plainPackages } from '../../lib/connection/packageCodec';
import { EventQueueFullError } from '../../lib/protocol/errors';
import type { Transport } from '../../lib/transport/datagram';
import { MemoryNetwork } from '../../lib/transport/memoryNetwork';
import { SimulationScheduler } from '../../lib/transport/simulationScheduler';

describe('SeenEventIds', () => {
  it('takes an id the first time and refuses it after', () => {
    const seen = new SeenEventIds();
    expect(seen.firstTime(7)).toBe(true);
    expect(seen.firstTime(7)).toBe(false);
    expect(seen.firstTime(8)).toBe(true);
    expect(seen.firstTime(8)).toBe(false);
  });

  it('takes late ids within the window once each, in any order', () => {
    const seen = new SeenEventIds();
    expect(seen.firstTime(100)).toBe(true);
    expect([99, 50, 99, 101, 50, 100].map((id) => seen.firstTime(id))).toEqual([
      true,
      true,
      false,
      true,
      false,
      false,
    ]);
  });

  it('counts ids behind the window as seen: handled already, or given up by the sender', () => {
    const seen = new SeenEventIds();
    seen.firstTime(EVENT_ID_WINDOW + 10);
    expect(seen.firstTime(10)).toBe(false);
    expect(seen.firstTime(11)).toBe(true);
  });

  it('forgets the ids a window older when it moves on, so their slots serve new ids', () => {
    const seen = new SeenEventIds();
    expect(seen.firstTime(1)).toBe(true);
    // 1 + EVENT_ID_WINDOW takes the slot of 1: it must count as new.
    expect(seen.firstTime(1 + EVENT_ID_WINDOW)).toBe(true);
    expect(seen.firstTime(1 + EVENT_ID_WINDOW)).toBe(false);
    // A jump far ahead clears the whole window.
    expect(seen.firstTime(10 * EVENT_ID_WINDOW)).toBe(true);
    expect(seen.firstTime(10 * EVENT_ID_WINDOW - 1)).toBe(true);
  });

  it('keeps working across the wrap of u32 ids', () => {
    const seen = new SeenEventIds();
    const ids = [0xfffffffe, 0xffffffff, 0, 1];
    for (const id of ids) expect(seen.firstTime(id)).toBe(true);
    for (const id of ids) expect(seen.firstTime(id)).toBe(false);
    expect(nextEventId(0xffffffff)).toBe(0);
    expect(nextEventId(41)).toBe(42);
  });

  it('handles each id of a long shuffled stream with duplicates exactly once', () => {
    const seen = new SeenEventIds();
    let handled = 0;
    const taken = new Set<number>();
    // Ids arrive up to 300 out of order, each twice: every one is taken once.
    for (let base = 0; base < 20_000; base += 300) {
      const batch = Array.from({ length: 300 }, (_, i) => base + ((i * 7) % 300));
      for (const id of [...batch, ...batch.reverse()]) {
        if (seen.firstTime(id)) {
          handled++;
          expect(taken.has(id)).toBe(false);
          taken.add(id);
        }
      }
    }
    expect(handled).toBe(taken.size);
    expect(handled).toBe(20_100);
  });
});

describe('a sender of event ids', () => {
  /** Two rxgase connections in virtual time; A's first package with events is lost. */
  function pair() {
    const scheduler = new SimulationScheduler();
    const network = new MemoryNetwork(scheduler);
    const [a, b] = [network.bind(), network.bind()];
    const session = new Uint8Array(8).fill(7);
    let lost = false;
    const connect = (self: Transport, peer: Transport, loseFirst: boolean): Connection =>
      new Connection({
        remote: peer.address,
        incoming$: self.datagrams$.pipe(map(({ data }) => data)),
        send: (data) => {
          // An rxgase data packet's byte 13 counts the event ids it carries.
          if (loseFirst && !lost && (data[13] as number) > 0) {
            lost = true;
            return;
          }
          self.send({ data, address: peer.address });
        },
        codec: plainPackages,
        scheduler,
        session,
      }).open();
    return { scheduler, sender: connect(a, b, true), receiver: connect(b, a, false) };
  }

  it('queues no event a window of ids past the oldest unacknowledged one, so none is lost as a repeat', () => {
    const { scheduler, sender, receiver } = pair();
    const handled = new Map<string, number>();
    receiver.events$.subscribe((event) => {
      const key = String(event.args[0]);
      handled.set(key, (handled.get(key) ?? 0) + 1);
    });
    const acked = new Set<string>();
    const refusals: EventQueueFullError[] = [];
    let next = 0;
    // 6,000 events in 900 ms while the first one waits a second for its resend.
    for (let beat = 0; beat < 100; beat++) {
      scheduler.schedule(
        () => {
          for (let i = 0; i < 60; i++) {
            const key = String(next);
            try {
              sender
                .dispatchEvent({ type: 'E', args: [key], kwargs: {} }, { retries: 3 })
                .subscribe({ complete: () => acked.add(key) });
              next++;
            } catch (error) {
              if (!(error instanceof EventQueueFullError)) throw error;
              refusals.push(error);
            }
          }
        },
        10 + beat * 9,
      );
    }
    scheduler.advanceTo(5000);
    expect(refusals.length).toBeGreaterThan(0);
    expect(refusals[0]?.message).toMatch(/ids behind the next/);
    expect(next).toBeGreaterThanOrEqual(EVENT_ID_WINDOW - 1);
    // Every event queued was acked and handled exactly once, the lost first one included.
    expect(acked.size).toBe(next);
    expect(handled.size).toBe(next);
    expect([...handled.values()].every((count) => count === 1)).toBe(true);
    expect(handled.get('0')).toBe(1);
    expect(sender.stats.pendingEvents).toBe(0);
    // Once the oldest settled, events are queued again.
    sender
      .dispatchEvent({ type: 'E', args: ['after'], kwargs: {} })
      .subscribe({ complete: () => acked.add('after') });
    scheduler.advanceBy(1000);
    expect(acked.has('after')).toBe(true);
    sender.close();
    receiver.close();
  });
});
