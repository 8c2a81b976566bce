/**
 * Drawing the chase in the page: the field through a window that follows the player (on a field
 * larger than the canvas, with grid lines), the players, the list of them and the status line.
 */
import { cameraAt } from '../camera';
import type { Chase } from '../game';
import { FIELD } from '../game';

/** Grid lines this far apart on the field, so that moving shows where the field is plain. */
const GRID = 100;

/** Where the page draws. */
export interface Views {
  readonly canvas: HTMLCanvasElement;
  /** The list of the players. */
  readonly players: HTMLElement;
  /** The line that says who chases. */
  readonly status: HTMLElement;
}

/** Draws `state` as player `me` sees it. */
export function draw(views: Views, state: Chase, me: string): void {
  const { canvas, players: playersView, status: statusView } = views;
  const context = canvas.getContext('2d');
  if (context === null) return;
  const field = state.field ?? FIELD;
  const [left, top] = cameraAt(field, canvas, state.players[me]?.position);
  context.fillStyle = '#0a0d13';
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.save();
  context.translate(-left, -top);
  context.fillStyle = '#10141c';
  context.fillRect(0, 0, field.width, field.height);
  if (field.width > canvas.width || field.height > canvas.height)
    drawGrid(canvas, context, field, left, top);
  for (const [id, player] of Object.entries(state.players)) {
    const [x, y] = player.position;
    context.beginPath();
    context.arc(x, y, id === me ? 9 : 7, 0, 2 * Math.PI);
    context.fillStyle = id === state.chaser_id ? '#f0504a' : id === me ? '#4ad07a' : '#8aa0c0';
    context.fill();
    context.fillStyle = '#e8ecf4';
    context.font = '12px sans-serif';
    context.fillText(player.name, x + 11, y + 4);
  }
  context.restore();
  const players = Object.entries(state.players);
  const mine = state.players[me]?.position;
  // In a big world the list is what the view gives: say so, and where on the field we are.
  const where =
    mine !== undefined && (field.width > canvas.width || field.height > canvas.height)
      ? [
          `${players.length} in sight, at ${mine.map(Math.round).join(', ')} of ${field.width} x ${field.height}`,
        ]
      : [];
  playersView.textContent = where
    .concat(
      // Best score first: the tags each caught.
      [...players]
        .sort(([, a], [, b]) => (b.tags ?? 0) - (a.tags ?? 0))
        .map(
          ([id, p]) =>
            `${id === state.chaser_id ? 'X' : ' '} ${p.name}${id === me ? ' (you)' : ''}  ${p.tags ?? 0}`,
        ),
    )
    .join('\n');
  statusView.textContent = state.protection
    ? `Protection: ${Math.max(0, state.countdown).toFixed(1)} s`
    : state.chaser_id === me
      ? 'You are the chaser: catch someone!'
      : 'Run from the red one!';
}

/** The grid lines in the window at `left`, `top`. */
function drawGrid(
  canvas: HTMLCanvasElement,
  context: CanvasRenderingContext2D,
  field: { width: number; height: number },
  left: number,
  top: number,
): void {
  context.strokeStyle = '#1c2433';
  context.beginPath();
  const right = Math.min(field.width, left + canvas.width);
  const bottom = Math.min(field.height, top + canvas.height);
  for (let x = Math.ceil(left / GRID) * GRID; x <= right; x += GRID) {
    context.moveTo(x, top);
    context.lineTo(x, bottom);
  }
  for (let y = Math.ceil(top / GRID) * GRID; y <= bottom; y += GRID) {
    context.moveTo(left, y);
    context.lineTo(right, y);
  }
  context.stroke();
}
