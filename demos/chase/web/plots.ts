/**
 * The page's small plots of its link, over the last half minute: the round trip time, the share of
 * packages lost (not acked in time), and the bytes received a second.
 */
import { map, pairwise, scan } from 'rxjs';
import type { Subscription } from 'rxjs';
import type { Connection, ConnectionStats } from '../../../lib/browser';

/** Samples a plot keeps: 60, one every half second. */
const SAMPLES = 60;

/** One sample of the link. */
interface Sample {
  readonly latencyMs: number;
  /** Of the packages whose fate was settled in the period, the share lost, in %. */
  readonly lossPercent: number;
  readonly bytesPerSecond: number;
}

/** Where each plot goes. */
export interface PlotCanvases {
  readonly latency: HTMLCanvasElement;
  readonly loss: HTMLCanvasElement;
  readonly bytes: HTMLCanvasElement;
}

/** What one period of the link's stats shows. */
function sampleOf(before: ConnectionStats, after: ConnectionStats, periodMs: number): Sample {
  const acked = after.acked - before.acked;
  const lost = after.timedOut - before.timedOut;
  return {
    latencyMs: after.rttMs,
    lossPercent: acked + lost === 0 ? 0 : (100 * lost) / (acked + lost),
    bytesPerSecond: ((after.bytesIn - before.bytesIn) * 1000) / periodMs,
  };
}

/** Draws `values` as a line over the canvas, scaled to their largest, with `label` and the last. */
function plot(canvas: HTMLCanvasElement, values: readonly number[], label: string): void {
  const context = canvas.getContext('2d');
  if (context === null) return;
  const { width, height } = canvas;
  context.fillStyle = '#10141c';
  context.fillRect(0, 0, width, height);
  const top = Math.max(1, ...values);
  context.strokeStyle = '#4ad07a';
  context.beginPath();
  values.forEach((value, i) => {
    const x = (i / (SAMPLES - 1)) * width;
    const y = height - 2 - (value / top) * (height - 14);
    if (i === 0) context.moveTo(x, y);
    else context.lineTo(x, y);
  });
  context.stroke();
  context.fillStyle = '#e8ecf4';
  context.font = '11px sans-serif';
  context.fillText(`${label} ${(values[values.length - 1] ?? 0).toFixed(0)}`, 4, 11);
}

/** Plots `connection`'s link every `periodMs`, until the subscription returned ends. */
export function plotLink(
  connection: Pick<Connection<never>, 'stats$'>,
  canvases: PlotCanvases,
  periodMs = 500,
): Subscription {
  return connection
    .stats$(periodMs)
    .pipe(
      pairwise(),
      map(([before, after]) => sampleOf(before, after, periodMs)),
      scan((samples: Sample[], sample) => [...samples, sample].slice(-SAMPLES), []),
    )
    .subscribe((samples) => {
      plot(
        canvases.latency,
        samples.map((s) => s.latencyMs),
        'round trip, ms',
      );
      plot(
        canvases.loss,
        samples.map((s) => s.lossPercent),
        'lost, %',
      );
      plot(
        canvases.bytes,
        samples.map((s) => s.bytesPerSecond),
        'received, B/s',
      );
    });
}
