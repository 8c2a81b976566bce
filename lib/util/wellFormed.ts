/** A UTF-16 surrogate without its other half. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Whether `text` has no lone UTF-16 surrogate, so that it has a UTF-8 form: what
 * `String.prototype.isWellFormed` tells, which browsers before 2023 lack (the browser build
 * targets ES2022).
 */
export function isWellFormed(text: string): boolean {
  return typeof text.isWellFormed === 'function' ? text.isWellFormed() : !LONE_SURROGATE.test(text);
}
