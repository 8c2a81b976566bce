import type { GameEvent } from '../../lib/index';
import type { Behaviour } from './protocolClient';

/*
 * What the load's clients do, beyond keeping up with the server: the events each kind of client
 * sends, and what it takes from those it receives.
 */

const PING_EVERY_MS = 1000;
const MOVE_EVERY_MS = 100;

/** Events a game's own clients send: each client sends `events` in turn, `perSecond` a second. */
export interface EventLoad {
  readonly events: readonly GameEvent[];
  readonly perSecond: number;
}

/** A PING a second, starting at a random phase. */
export const quickstart: Behaviour = {
  events(client, now) {
    const due = (client.notes.pingAt as number | undefined) ?? now + Math.random() * PING_EVERY_MS;
    if (due > now) {
      client.notes.pingAt = due;
      return [];
    }
    client.notes.pingAt = due + PING_EVERY_MS;
    return [{ type: 'PING', args: [Math.floor(now)], kwargs: {} }];
  },
};

/** The user's events, one after the other, `perSecond` a second, starting at a random phase. */
export function eventLoad({ events, perSecond }: EventLoad): Behaviour {
  const everyMs = 1000 / perSecond;
  return {
    events(client, now) {
      if (events.length === 0 || perSecond === 0) return [];
      const due = (client.notes.eventAt as number | undefined) ?? now + Math.random() * everyMs;
      const next = (client.notes.next as number | undefined) ?? 0;
      // Faster than the beat, several events share a package.
      const out: GameEvent[] = [];
      let at = due;
      for (; at <= now; at += everyMs)
        out.push(events[(next + out.length) % events.length] as GameEvent);
      client.notes.eventAt = at;
      client.notes.next = (next + out.length) % events.length;
      return out;
    },
  };
}

/** JOIN until the server names the player, then MOVE ten times a second, on a random walk. */
export const chase: Behaviour = {
  holdsState: true,
  events(client, now) {
    const id = client.notes.id as string | undefined;
    if (id === undefined) {
      if (client.notes.joined === true) return [];
      client.notes.joined = true;
      return [{ type: 'JOIN', args: [], kwargs: { name: 'bot' } }];
    }
    if (((client.notes.moveAt as number | undefined) ?? 0) > now) return [];
    client.notes.moveAt = now + MOVE_EVERY_MS;
    const [x, y] = (client.notes.position as [number, number] | undefined) ?? [320, 210];
    const step = (): number => (Math.random() - 0.5) * 12;
    const position: [number, number] = [x + step(), y + step()];
    client.notes.position = position;
    return [{ type: 'MOVE', args: [], kwargs: { position } }];
  },
  onEvent(client, event: GameEvent) {
    if (event.type === 'PLAYER_CREATED') client.notes.id = event.kwargs.id;
  },
};
