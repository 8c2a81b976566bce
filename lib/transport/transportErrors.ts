import type { SchedulerLike } from 'rxjs';
import type { Logger } from '../util/logger';
import { ThrottledWarning } from '../util/throttledWarning';
import { TRANSPORT_ERROR } from './datagram';

/**
 * What a server or a client does with each error its transport reports (`Transport.errors$`):
 * `report` gets each, as a {@link TRANSPORT_ERROR}, for its `errors$`; the log gets them at most
 * every 10 s, since a full send buffer would repeat one thousands of times a second.
 */
export function transportErrorReporter(
  logger: Logger,
  scheduler: SchedulerLike,
  report: (failure: { readonly type: string; readonly error: Error }) => void,
): (error: Error) => void {
  const log = new ThrottledWarning(logger, scheduler);
  return (error) => {
    log.warn(`The transport reported an error: ${error.message}`);
    report({ type: TRANSPORT_ERROR, error });
  };
}
