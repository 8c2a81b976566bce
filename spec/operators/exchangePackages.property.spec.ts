import fc from 'fast-check';
import {
  NEVER,
  ReplaySubject,
  Subject,
  VirtualAction,
  VirtualTimeScheduler,
  connect,
  defer,
  distinctUntilChanged,
  filter,
  ignoreElements,
  map,
  merge,
  share,
  takeWhile,
  tap,
  zip,
} from 'rxjs';
import type { Observable, OperatorFunction } from 'rxjs';
import { avoidCongestion } from '../../lib/operators/avoidCongestion';
import { decodePackages } from '../../lib/operators/decodePackages';
import type { ExchangeOptions, PeerSignal } from '../../lib/operators/exchangePackages';
import { exchangePackages } from '../../lib/operators/exchangePackages';
import { paceSends } from '../../lib/operators/paceSends';
import type { AckOutcome, SentPackage } from '../../lib/operators/resolveAcks';
import { PACKAGE_TIMEOUT_MS, resolveAcks } from '../../lib/operators/resolveAcks';
import { smoothLatency } from '../../lib/operators/smoothLatency';
import type { ReceiveWindow } from '../../lib/operators/trackReceived';
import { trackReceived } from '../../lib/operators/trackReceived';
import { CONNECTION_TIMEOUT_MS, whenSilent } from '../../lib/operators/whenSilent';
import { decodePackage } from '../../lib/protocol/decode';
import { encodePackage } from '../../lib/protocol/encode';
import type { Package } from '../../lib/protocol/packages';
import { sqnAdd, sqnBack } from '../../lib/protocol/sequence';

/**
 * The exchange as a chain of the single-purpose operators, each doing its one thing on streams:
 * what `exchangePackages` must behave as.
 */
function chained<P extends Package>(
  options: ExchangeOptions<P>,
): OperatorFunction<Uint8Array, PeerSignal<P>> {
  const scheduler = options.scheduler as VirtualTimeScheduler;
  const packageTimeoutMs = options.packageTimeoutMs ?? PACKAGE_TIMEOUT_MS;
  const connectionTimeoutMs = options.connectionTimeoutMs ?? CONNECTION_TIMEOUT_MS;
  const ackEvery = options.ackEvery ?? 1;
  return (datagrams$) =>
    defer(() => {
      let window: ReceiveWindow = { remoteSequence: 0, ackBitfield: 0 };
      let sequence = sqnBack(options.firstSequence ?? 1, 1);
      let newestAcked = -1;
      let latencyMs = 0;
      let unacked = 0;
      const sent$ = new Subject<SentPackage>();
      const hurry$ = new Subject<void>();
      const drops$ = new Subject<PeerSignal<P>>();
      const sendNext = (): void => {
        const next = sqnAdd(sequence, 1);
        const datagram = options.encode({
          sequence: next,
          ack: window.remoteSequence,
          ackBitfield: window.ackBitfield,
        });
        if (datagram === undefined) return;
        sequence = next;
        unacked = 0;
        sent$.next({ sequence: next });
        options.send(datagram);
      };

      const decoded$ = datagrams$.pipe(
        decodePackages(options.decode, (error) =>
          drops$.next({ kind: 'dropped', reason: 'undecodable', error }),
        ),
        share(),
      );
      const received$ = decoded$.pipe(
        trackReceived((verdict, pkg) =>
          drops$.next({ kind: 'dropped', reason: verdict, sequence: pkg.header.sequence }),
        ),
        share(),
      );
      const outcomes$ = received$.pipe(
        map((received) => received.package.header),
        tap((header) => (newestAcked = header.ack)),
        resolveAcks(sent$, packageTimeoutMs, scheduler),
        share(),
      );
      const acked$ = outcomes$.pipe(
        filter((outcome): outcome is AckOutcome & { kind: 'acked' } => outcome.kind === 'acked'),
        // Only the package a header's ack field names is a latency sample.
        connect((acked) =>
          merge(
            acked.pipe(
              filter(({ sequence }) => sequence !== newestAcked),
              map((outcome) => ({ ...outcome, latencyMs })),
            ),
            acked.pipe(
              filter(({ sequence }) => sequence === newestAcked),
              connect((samples) =>
                zip(
                  samples,
                  samples.pipe(
                    map(({ rttMs }) => rttMs),
                    smoothLatency(),
                  ),
                ),
              ),
              map(([outcome, latency]) => ({ ...outcome, latencyMs: (latencyMs = latency) })),
            ),
          ),
        ),
        share(),
      );
      const congestion$ = acked$.pipe(
        map(({ latencyMs }) => latencyMs),
        avoidCongestion(scheduler),
        share({ connector: () => new ReplaySubject(1) }),
      );
      const signals$: Observable<PeerSignal<P>> = merge(
        drops$,
        received$.pipe(
          tap((received) => (window = received.window)),
          map((received): PeerSignal<P> => ({ kind: 'received', ...received })),
        ),
        acked$,
        outcomes$.pipe(filter((outcome) => outcome.kind === 'timedOut')),
        received$.pipe(
          filter(
            (received) =>
              received.package.events.length > 0 || (ackEvery > 1 && ++unacked >= ackEvery),
          ),
          tap(() => hurry$.next()),
          ignoreElements(),
        ),
        congestion$.pipe(map((setting): PeerSignal<P> => ({ kind: 'congestion', ...setting }))),
        merge(options.urgent$ ?? NEVER, hurry$).pipe(
          paceSends(
            congestion$.pipe(
              map(({ sendIntervalMs }) => sendIntervalMs),
              distinctUntilChanged(),
              map((ms) => ms * ackEvery),
            ),
            scheduler,
          ),
          tap(sendNext),
          ignoreElements(),
        ),
        decoded$.pipe(
          whenSilent(connectionTimeoutMs, scheduler),
          map((silentMs): PeerSignal<P> => ({ kind: 'silent', silentMs })),
        ),
      );
      return signals$.pipe(takeWhile((signal) => signal.kind !== 'silent', true));
    });
}

/** Something the trace does at a time: a datagram from the other peer, or an urgent send. */
type Step =
  | { readonly at: number; readonly kind: 'datagram'; readonly bytes: Uint8Array }
  | { readonly at: number; readonly kind: 'urgent' };

/** What an exchange did on a trace: its signals and the datagrams it sent, with their times. */
function play(
  operator: (
    options: ExchangeOptions<Package>,
  ) => OperatorFunction<Uint8Array, PeerSignal<Package>>,
  trace: readonly Step[],
  timings: Pick<
    ExchangeOptions<Package>,
    'firstSequence' | 'packageTimeoutMs' | 'connectionTimeoutMs' | 'ackEvery'
  >,
): unknown[] {
  const scheduler = new VirtualTimeScheduler(VirtualAction, 1_000_000);
  const log: unknown[] = [];
  const datagrams = new Subject<Uint8Array>();
  const urgent = new Subject<void>();
  datagrams
    .pipe(
      operator({
        decode: decodePackage,
        encode: (header) => encodePackage({ header, events: [] }),
        send: (bytes) => log.push([scheduler.now(), 'sent', Array.from(bytes)]),
        urgent$: urgent,
        scheduler,
        ...timings,
      }),
    )
    .subscribe({
      next: (signal) =>
        log.push([
          scheduler.now(),
          signal.kind === 'dropped' && signal.reason === 'undecodable'
            ? { ...signal, error: signal.error.code }
            : signal,
        ]),
      error: (error: unknown) => log.push([scheduler.now(), 'error', String(error)]),
      complete: () => log.push([scheduler.now(), 'complete']),
    });
  for (const step of trace) {
    scheduler.schedule(
      () => (step.kind === 'urgent' ? urgent.next() : datagrams.next(step.bytes)),
      step.at,
    );
  }
  scheduler.flush();
  return log;
}

/**
 * A random trace: the other peer's packages around a random start (the wrap included), lost,
 * repeated and reordered; acks of what this peer likely sent by then, with random bitfields;
 * some events to ack, some garbage, urgent sends, and pauses long enough to time things out.
 */
const traces = fc
  .record({
    firstSequence: fc.integer({ min: 1, max: 65535 }),
    remoteStart: fc.integer({ min: 1, max: 65535 }),
    packageTimeoutMs: fc.integer({ min: 20, max: 300 }),
    connectionTimeoutMs: fc.integer({ min: 200, max: 2000 }),
    ackEvery: fc.constantFrom(1, 1, 2, 4, 32),
    steps: fc.array(
      fc.record({
        gap: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 2500 })),
        kind: fc.constantFrom('package', 'package', 'package', 'garbage', 'urgent'),
        offset: fc.integer({ min: -40, max: 3 }),
        ackBack: fc.integer({ min: 0, max: 40 }),
        ackBitfield: fc.integer({ min: 0, max: 0xffffffff }),
        withEvent: fc.boolean(),
        garbage: fc.uint8Array({ maxLength: 12 }),
      }),
      { maxLength: 60 },
    ),
  })
  .map(({ firstSequence, remoteStart, packageTimeoutMs, connectionTimeoutMs, ackEvery, steps }) => {
    let at = 0;
    let newest = remoteStart;
    const trace: Step[] = steps.map((step) => {
      at += step.gap;
      if (step.kind === 'urgent') return { at, kind: 'urgent' };
      if (step.kind === 'garbage') return { at, kind: 'datagram', bytes: step.garbage };
      const sequence =
        step.offset < 0 ? sqnBack(newest, -step.offset) : sqnAdd(newest, step.offset);
      if (step.offset > 0) newest = sequence;
      // About one package every 25 ms was sent by now: ack one of them, or one just before.
      const sentByNow = Math.floor(at / 25);
      const ack = sqnAdd(firstSequence, Math.max(0, sentByNow - step.ackBack));
      const header = { sequence, ack, ackBitfield: step.ackBitfield >>> 0 };
      const events = step.withEvent ? [{ type: 'MOVE', args: [step.offset], kwargs: {} }] : [];
      return { at, kind: 'datagram', bytes: encodePackage({ header, events }) };
    });
    return { trace, timings: { firstSequence, packageTimeoutMs, connectionTimeoutMs, ackEvery } };
  });

describe('exchangePackages as the chain of the single-purpose operators', () => {
  it('emits the same signals and sends the same datagrams at the same times on random traces', () => {
    fc.assert(
      fc.property(traces, ({ trace, timings }) => {
        const chain = play(chained, trace, timings);
        expect(play(exchangePackages, trace, timings)).toEqual(chain);
        // Each trace ends in silence, so the comparison covered a whole exchange.
        expect(chain.at(-1)).toEqual([expect.any(Number), 'complete']);
      }),
      { numRuns: 300, seed: 20261130 },
    );
  });
});
