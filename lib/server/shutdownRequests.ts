import { SHUTDOWN_WORD } from '../protocol/constants';
import { sameBytes } from '../protocol/rxgasePackets';
import type { Logger } from '../util/logger';
import type { ClientEntry } from './clientConnection';
import type { Host } from './clientRegistry';
import type { GateCounts } from './serverStats';

/** What the server's answer to shutdown requests needs of it. */
export interface ShutdownContext {
  /** The client allowed to shut the server down, if any. */
  readonly host: () => Host | undefined;
  readonly counts: GateCounts;
  readonly logger: Logger;
  /** Whether the host may shut the server down; false: every shutdown request is refused. */
  readonly remoteShutdown: boolean;
  /** Shuts the server down: its host asked. */
  readonly shutdown: () => void;
}

/**
 * The gate's answer to clients asking the server to shut down: honoured from the host only, an
 * rxgase host with its token and a PyGaSe host with PyGaSe's shutdown word; every other request
 * is refused, counted and logged.
 */
export class ShutdownRequests {
  /** The clients told, once, that the server takes no shutdown from clients. */
  private readonly warned = new WeakSet<ClientEntry>();

  constructor(private readonly context: ShutdownContext) {}

  /** An rxgase shutdown request from `key`, with the session and host token it carries. */
  fromPacket(
    key: string,
    known: ClientEntry | undefined,
    request: { readonly session: Uint8Array; readonly hostToken: Uint8Array },
  ): void {
    const host = this.context.host();
    if (
      host?.key === key &&
      host.token !== undefined &&
      known?.handshake !== undefined &&
      sameBytes(request.session, known.handshake.session) &&
      sameBytes(request.hostToken, host.token)
    ) {
      this.honour(key);
    } else {
      this.refuse(key, known, ` without the host's token`);
    }
  }

  /** PyGaSe's shutdown word: honoured from a PyGaSe host only (an rxgase host has a token). */
  fromWord(key: string, known: ClientEntry | undefined): void {
    const host = this.context.host();
    if (host?.key === key && host.token === undefined) this.honour(key);
    else this.refuse(key, known, ', which is not the host client');
  }

  private honour(key: string): void {
    this.context.counts.control++;
    this.context.logger.info(`Shutdown requested by the host client ${key}.`);
    this.context.shutdown();
  }

  /**
   * A shutdown request refused, counted. With `remoteShutdown` false there is no host, and a
   * client that asks is warned of once: a PyGaSe client may ask on every disconnect.
   */
  private refuse(key: string, known: ClientEntry | undefined, why: string): void {
    const { counts, logger } = this.context;
    counts.refused++;
    counts.shutdownsRefused++;
    if (this.context.remoteShutdown) {
      logger.warn(`Shutdown requested by ${key}${why}: refused.`);
    } else if (known !== undefined && !this.warned.has(known)) {
      this.warned.add(known);
      logger.warn(
        `Shutdown requested by ${key}: refused, as this server takes no shutdown from clients (remoteShutdown is false).`,
      );
    }
  }
}

/** Whether a datagram is PyGaSe's shutdown word. */
export function isShutdownWord(data: Uint8Array): boolean {
  return sameBytes(data, SHUTDOWN_WORD);
}
