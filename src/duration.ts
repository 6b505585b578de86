import { UsageError } from './errors.js';

/** Parses `90`, `90s`, `1.5m`, `500ms`, `1h` into milliseconds. A bare number means seconds. */
export function parseDuration(text: string, flag: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (!match) throw new UsageError(`${flag} ${JSON.stringify(text)} is not a duration (examples: 90, 90s, 5m, 500ms)`);
  const value = Number(match[1]);
  const unit = match[2] ?? 's';
  const ms = value * { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[unit as 'ms' | 's' | 'm' | 'h'];
  if (ms <= 0) throw new UsageError(`${flag} must be greater than zero`);
  return Math.round(ms);
}

export function parsePositiveInt(text: string, flag: string): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1) throw new UsageError(`${flag} ${JSON.stringify(text)} is not a positive whole number`);
  return Number(text);
}
