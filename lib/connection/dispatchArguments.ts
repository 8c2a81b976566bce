import { InvalidArgumentError } from '../protocol/errors';
import type { GameEvent } from '../protocol/packages';
import { isPlainObject } from '../util/plainObject';

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
  // Trailing undefineds are arguments left out: a wrapper that passes all four is no error.
  let length = given.length;
  while (length > 0 && given[length - 1] === undefined) length--;
  const [first, second, third] = given;
  // (type, undefined, kwargs, options) is PyGaSe's form with its args left out.
  const pygaseForm = Array.isArray(first) || (first === undefined && length >= 3);
  if (length > (pygaseForm ? 3 : 2)) {
    throw new InvalidArgumentError(
      pygaseForm
        ? `dispatchEvent takes (type, args, kwargs, options); ${type} got more`
        : `dispatchEvent takes (type, payload, options), or (type, args, kwargs, options) with an array of args; ${type} got more`,
    );
  }
  const args = Array.isArray(first) ? (first as readonly unknown[]) : [];
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
  // Only a plain object has a form as keyword arguments: bytes or a Map would go out as something
  // else, and the receiver would drop the whole package that carried them.
  if (!isPlainObject(value)) {
    throw new InvalidArgumentError(
      `the ${type} event's ${what} must be a plain object, got ${describe(value)}`,
    );
  }
  return value as Readonly<Record<string, unknown>>;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object' && value !== null)
    return `a ${value.constructor?.name ?? 'object'}`;
  return String(value);
}
