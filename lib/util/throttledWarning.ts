import type { SchedulerLike } from 'rxjs';
import type { Logger } from './logger';

/** How often a {@link ThrottledWarning} writes at most: every 10 s. */
export const WARNING_PERIOD_MS = 10_000;

/**
 * A warning that a flood could repeat thousands of times a second, written at most once every
 * `periodMs` of the scheduler's clock; the next line says how many were held back.
 *
 * ## Example
 * ```ts
 * const full = new ThrottledWarning(logger, scheduler);
 * full.warn(`Refused a client from ${key}: the server is full.`);
 * ```
 */
export class ThrottledWarning {
  private lastMs = -Infinity;
  private heldBack = 0;

  constructor(
    private readonly logger: Logger,
    private readonly scheduler: SchedulerLike,
    private readonly periodMs = WARNING_PERIOD_MS,
  ) {}

  /** Writes `message` at WARN, unless one was written less than `periodMs` ago. */
  warn(message: string): void {
    const now = this.scheduler.now();
    if (now - this.lastMs < this.periodMs) {
      this.heldBack++;
      return;
    }
    const more = this.heldBack;
    this.lastMs = now;
    this.heldBack = 0;
    this.logger.warn(
      more === 0
        ? message
        : `${message} (${more} more like it in the last ${this.periodMs / 1000} s)`,
    );
  }
}
