/** The quickstart game's types, shared by its backend and its client. */
import type { GameState, NoEvents, NoPayload } from '../../lib/index';

/** `foo` grows by `bar` every second. */
export type Quickstart = GameState<{ foo: number; bar: number }>;

/** What the client may ask: set bar, reset foo. The server sends no events of its own. */
export interface QuickstartEvents {
  toServer: { SET_BAR: { new_bar: number }; RESET_FOO: NoPayload };
  toClient: NoEvents;
}
