import type { Result } from '../measure';
import { loadStep } from './loadSteps';

/** Players in the chase game. */
const PLAYERS = 20;

/**
 * state.bytes_per_client_s: what a client of a 20-player chase game (demos/chase/backend.ts, every
 * player moving ten times a second) receives a second, datagrams whole; against the same packages
 * with the whole state in each in place of its update.
 */
export async function stateBytes(measureMs: number): Promise<Result> {
  const timing = { rampMs: 500, warmupMs: 1500, measureMs, drainMs: 200 };
  const { load } = await loadStep('chase', 'chase', PLAYERS, timing, 1);
  const clientSeconds = (PLAYERS * measureMs) / 1000;
  const value = load.bytesIn / clientSeconds;
  const baseline = load.wholeStateBytes / clientSeconds;
  return {
    name: 'state.bytes_per_client_s',
    value,
    unit: 'B/s',
    baseline,
    ratio: value / baseline,
  };
}
