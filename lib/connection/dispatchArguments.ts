import { InvalidArgumentError } from '../protocol/errors';
import type { GameEvent } from '../protocol/packages';

/**
 * Reads what `dispatchEvent` was given after the event type, in either of its forms: the payload
 * then the options (`dispatchEvent('MOVE', { dx: 1 }, { retries: 2 })`), or PyGaSe's positional
 * arguments, keyword arguments, then the options (`dispatchEvent('MOVE', [1], {}, { retries: 2 })`).
 * An array second is the PyGaSe form; anything else the payload form.
 *
 * @param optionKeys The options the caller knows: any other key in the options is refused, so a
 *   payload passed where the options go (`dispatchEvent('X', undefined, { x: 1 })`) is not sent as
 *   an empty event.
 * @throws {@link InvalidArgumentError} If the type is not a string, the payload, keyword arguments
 *   or options are not objects, or the options hold a key the caller does not know.
 */
export function dispatchArguments<O extends object>(
  type: string,
  given: readonly unknown[],
  optionKeys: readonly (keyof O & string)[],
): { readonly event: GameEvent; readonly options: O } {
  if (typeof type !== 'string') {
    throw new InvalidArgumentError(`an event type must be a string, got ${typeof type}`);
  }
  const [first, second, third] = given;
  const pygaseForm = Array.isArray(first);
  if (given.length > (pygaseForm ? 3 : 2)) {
    throw new InvalidArgumentError(
      pygaseForm
        ? `dispatchEvent takes (type, args, kwargs, options); ${type} got more`
        : `dispatchEvent takes (type, payload, options), or (type, args, kwargs, options) with an array of args; ${type} got more`,
    );
  }
  const args = pygaseForm ? (first as readonly unknown[]) : [];
  const kwargs = objectOr(pygaseForm ? second : first, pygaseForm ? 'kwargs' : 'payload', type);
  const options = objectOr(pygaseForm ? third : second, 'options', type);
  const unknown = Object.keys(options).find((key) => !optionKeys.includes(key as keyof O & string));
  if (unknown !== undefined) {
    throw new InvalidArgumentError(
      `the ${type} event's options have no ${unknown} (they take ${optionKeys.join(', ')}); ` +
        `did it belong in the payload?`,
    );
  }
  return { event: { type, args, kwargs }, options: options as O };
}

function objectOr(value: unknown, what: string, type: string): Readonly<Record<string, unknown>> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError(
      `the ${type} event's ${what} must be an object, got ${Array.isArray(value) ? 'an array' : String(value)}`,
    );
  }
  return value as Readonly<Record<string, unknown>>;
}
