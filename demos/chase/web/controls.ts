/**
 * The page's controls as Observables: the network it simulates on its own link, and its toggles.
 */
import { combineLatest, fromEvent, map, shareReplay, startWith } from 'rxjs';
import type { Observable } from 'rxjs';
import type { NetworkConditions } from '../../../lib/browser';

/** A number field's value, now and each time it changes: 0 for what is not a number of 0 or more. */
const numberOf = (input: HTMLInputElement): Observable<number> =>
  fromEvent(input, 'input').pipe(
    startWith(null),
    map(() => Math.max(0, Number(input.value) || 0)),
  );

/** The network the page simulates on its own link, each way, as its fields say (loss in %). */
export const networkConditions = (
  latency: HTMLInputElement,
  jitter: HTMLInputElement,
  loss: HTMLInputElement,
): Observable<NetworkConditions> =>
  combineLatest([numberOf(latency), numberOf(jitter), numberOf(loss)]).pipe(
    map(([latencyMs, jitterMs, percent]) => ({
      latencyMs,
      jitterMs,
      loss: Math.min(percent, 100) / 100,
    })),
    shareReplay(1),
  );

/** Whether a checkbox is checked, now and each time it changes. */
export const checked = (box: HTMLInputElement): Observable<boolean> =>
  fromEvent(box, 'change').pipe(
    map(() => box.checked),
    startWith(box.checked),
  );
