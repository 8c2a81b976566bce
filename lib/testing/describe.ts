import { inspect } from 'node:util';

/** How much of a state or a predicate an error message shows. */
const SHOWN_CHARS = 600;

/** A state as an error message shows it: on one line, cut short if long. */
export function describeState(state: unknown): string {
  if (state === undefined) return 'none';
  const text = inspect(state, {
    depth: 8,
    breakLength: Infinity,
    maxArrayLength: 20,
    maxStringLength: 100,
    sorted: true,
  });
  return shorten(text);
}

/** A predicate as an error message shows it: its source, on one line. */
export function describePredicate(predicate: (...args: never[]) => unknown): string {
  return shorten(String(predicate).replace(/\s+/g, ' '));
}

function shorten(text: string): string {
  return text.length <= SHOWN_CHARS ? text : `${text.slice(0, SHOWN_CHARS)} ...`;
}
