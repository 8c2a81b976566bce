import { firstValueFrom, race, timer } from 'rxjs';
import type { Observable } from 'rxjs';
import { ConnectionRefusedError } from '../protocol/errors';
import type { CloseReason } from '../protocol/rxgasePackets';
import { sameBytes } from '../protocol/rxgasePackets';
import { resumeTicket } from '../protocol/tickets';
import type { Address } from '../transport/datagram';
import { addressKey } from '../transport/datagram';
import type { ReconnectOptions, ResolvedClientOptions } from './clientOptions';
import type { Accepted, HandshakeAnswer } from './handshake';
import { leaveAccepted } from './farewell';
import { HeldTransport } from './heldTransport';
import { handshakeWithin } from './session';

/** What a reconnection came to: the session again, over a new transport, or why not. */
export type Reconnection =
  | { readonly kind: 'resumed'; readonly transport: HeldTransport; readonly accepted: Accepted }
  | { readonly kind: 'failed'; readonly reason: CloseReason | undefined }
  | { readonly kind: 'aborted' };

/** Refusals no later attempt would change. */
const FINAL: ReadonlySet<string> = new Set<CloseReason>([
  'unknown session',
  'version mismatch',
  'no such room',
  'invalid token',
  'kicked',
  'shutdown',
]);

/**
 * Takes up the session `accepted` settled with `server` again after its link dropped: each
 * attempt binds a new transport (a new socket: the old address may be gone with the network) and
 * runs the handshake with a resume ticket (which routes it) and the session's resume token (which
 * proves it is the client's: unlike the session token, no data packet carries it); attempts go at once, then after a delay doubling from
 * `minDelayMs` to `maxDelayMs`, on the client's scheduler, until `timeoutMs` from the start. A
 * server that refuses the session (its window passed, it restarted) ends the attempts at once.
 *
 * @param aborted Whether the client gave up meanwhile (it disconnected): checked after each step.
 * @param left$ Each time the client leaves: a handshake or a delay under way ends at once.
 * @param troubled Told what each attempt's transport reports.
 */
export async function reconnectSession(
  options: ResolvedClientOptions,
  { timeoutMs, minDelayMs, maxDelayMs }: Required<ReconnectOptions>,
  server: Address,
  { session, resumeToken }: Accepted,
  ignored: (answer: HandshakeAnswer) => void,
  aborted: () => boolean,
  left$: Observable<unknown>,
  troubled: (error: Error) => void,
): Promise<Reconnection> {
  // A server that gave no resume token holds no one: there is nothing to come back to.
  if (resumeToken === undefined) return { kind: 'failed', reason: undefined };
  const { scheduler, logger } = options;
  const deadline = scheduler.now() + timeoutMs;
  const from = addressKey(server);
  for (let attempt = 0; ; attempt++) {
    const left = deadline - scheduler.now();
    if (left <= 0) return { kind: 'failed', reason: undefined };
    let transport: HeldTransport | undefined;
    try {
      transport = new HeldTransport(await options.bind());
      transport.errors$?.subscribe(troubled);
      if (aborted()) throw ABORTED;
      logger.info(`Reconnecting to ${from} (attempt ${attempt + 1}) ...`);
      const accepted = await handshakeWithin(
        transport,
        server,
        scheduler,
        left,
        ignored,
        left$,
        resumeTicket(session),
        resumeToken,
      );
      if (aborted()) {
        // The server took the client back: it is told the client left after all.
        leaveAccepted(transport, server, accepted, scheduler);
        return { kind: 'aborted' };
      }
      // A server that took the request as a new session's does not hold this client's place.
      if (!sameBytes(accepted.session, session)) {
        transport.close();
        return { kind: 'failed', reason: 'unknown session' };
      }
      return { kind: 'resumed', transport, accepted };
    } catch (error) {
      transport?.close();
      if (error === ABORTED || aborted()) return { kind: 'aborted' };
      if (error instanceof ConnectionRefusedError && FINAL.has(error.reason)) {
        logger.info(`${from} refused the reconnection: ${error.reason}.`);
        return { kind: 'failed', reason: error.reason as CloseReason };
      }
      logger.debug(`Reconnection to ${from} failed: ${(error as Error).message}`);
    }
    const delay = Math.min(maxDelayMs, minDelayMs * 2 ** attempt, deadline - scheduler.now());
    // The wait ends early if the client leaves.
    if (delay > 0) await firstValueFrom(race(timer(delay, scheduler), left$), { defaultValue: 0 });
    if (aborted()) return { kind: 'aborted' };
  }
}

const ABORTED = new Error('aborted');
