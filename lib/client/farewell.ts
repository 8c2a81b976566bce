import { finalize, interval, merge, takeUntil, timer } from 'rxjs';
import type { SchedulerLike } from 'rxjs';
import { SHUTDOWN_WORD } from '../protocol/constants';
import { HOST_TOKEN_SIZE, encodeClose, encodeShutdownRequest } from '../protocol/rxgasePackets';
import type { Address, Transport } from '../transport/datagram';
import type { Accepted } from './handshake';
import { closeOf } from './session';

/*
 * How a client leaves: what it says, and how its link closes after. An rxgase server answers a
 * client's close with one of its own; until that answer comes the client says it again, and its
 * link stays open. A link that closes right after the farewell can lose it (Chromium's data
 * channels did, on a loaded machine), and a server that never heard the farewell holds the client
 * for a return it will not make.
 */

/** How often a client says its farewell again while no answer came. */
export const FAREWELL_RESEND_MS = 250;

/** How long a client's link stays open after its farewell for the server's answer, at most. */
export const FAREWELL_WAIT_MS = 1000;

/**
 * What a client sends as it leaves: with `shutdownServer`, a request that the server shut down
 * (PyGaSe's word to a PyGaSe server); then, to an rxgase server still connected, a close.
 */
export function farewell(
  accepted: Accepted | undefined,
  { shutdownServer, connected }: { readonly shutdownServer: boolean; readonly connected: boolean },
): Uint8Array[] {
  const datagrams: Uint8Array[] = [];
  if (shutdownServer) {
    datagrams.push(
      accepted === undefined
        ? SHUTDOWN_WORD
        : encodeShutdownRequest(accepted.session, accepted.hostToken ?? NO_HOST_TOKEN),
    );
  }
  if (accepted !== undefined && connected) {
    // Twice: the server frees the client's place at once if either arrives.
    const close = encodeClose(accepted.session, 'disconnected');
    datagrams.push(close, close);
  }
  return datagrams;
}

const NO_HOST_TOKEN = new Uint8Array(HOST_TOKEN_SIZE);

/**
 * Sends `datagrams` (a farewell) to `server` now and closes `transport` once the server closed
 * `session` in answer, saying them again every {@link FAREWELL_RESEND_MS} meanwhile, or after
 * {@link FAREWELL_WAIT_MS} without an answer. Without a session to be answered on (a PyGaSe
 * server, or nothing said), the transport closes at once.
 */
export function sayFarewell(
  transport: Transport,
  server: Address,
  datagrams: readonly Uint8Array[],
  session: Uint8Array | undefined,
  scheduler: SchedulerLike,
): void {
  const send = (): void => {
    for (const data of datagrams) transport.send({ data, address: server });
  };
  if (session === undefined || datagrams.length === 0) {
    send();
    return transport.close();
  }
  // Listening before the first farewell goes: an answer may come back at once.
  const answered$ = closeOf(transport, server, session, () => undefined);
  interval(FAREWELL_RESEND_MS, scheduler)
    .pipe(
      takeUntil(merge(answered$, timer(FAREWELL_WAIT_MS, scheduler))),
      finalize(() => transport.close()),
    )
    .subscribe(send);
  send();
}

/**
 * Tells a server that accepted the client as it left (its handshake's accept came after all) that
 * it left: the farewell of a connected client, over `transport`, which closes once answered.
 */
export function leaveAccepted(
  transport: Transport,
  server: Address,
  accepted: Accepted,
  scheduler: SchedulerLike,
): void {
  const datagrams = farewell(accepted, { shutdownServer: false, connected: true });
  sayFarewell(transport, server, datagrams, accepted.session, scheduler);
}
