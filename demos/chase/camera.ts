/**
 * What part of the field a screen shows: the terminal's and the browser's. A field that fits the
 * screen is shown whole; a larger one (the big world) through a window that follows the player.
 */
import type { Field } from './game';

/**
 * The top-left corner, in field units, of a `screen`-sized window on `field` with `center` (the
 * player) in its middle, kept on the field; on an axis where the field fits the screen, 0.
 */
export function cameraAt(
  field: Field,
  screen: Field,
  center: readonly [number, number] | undefined,
): [number, number] {
  const axis = (size: number, window: number, at: number | undefined): number =>
    size <= window || at === undefined ? 0 : Math.min(Math.max(at - window / 2, 0), size - window);
  return [
    axis(field.width, screen.width, center?.[0]),
    axis(field.height, screen.height, center?.[1]),
  ];
}
