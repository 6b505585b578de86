/** Colour for renderers: on only when asked for; the CLI decides (NO_COLOR, --no-color, TTY). */
import { Chalk, type ChalkInstance } from 'chalk';
import type { Status } from '../model.js';

export interface RenderOptions {
  readonly color: boolean;
  /** Terminal width for wrapping details; undefined means no limit. */
  readonly width?: number;
}

export function palette(options: RenderOptions): ChalkInstance {
  return new Chalk({ level: options.color ? 1 : 0 });
}

export const STATUS_MARK: Record<Status, string> = { supported: '✔', unsupported: '✘', unknown: '?' };

export function paintStatus(c: ChalkInstance, status: Status, text: string): string {
  return status === 'supported' ? c.green(text) : status === 'unsupported' ? c.red(text) : c.yellow(text);
}

/** Visible width of a string, ignoring ANSI colour codes. */
export function visibleLength(text: string): number {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, '').length;
}

export function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - visibleLength(text)));
}

export function truncate(text: string, width: number | undefined): string {
  if (!width || text.length <= width) return text;
  return `${text.slice(0, Math.max(0, width - 1))}…`;
}
