// Durations on the command line: `500ms`, `10s`, `2m`, `1h`; a bare number means seconds.
import { UsageError } from '../result/errors.js';
const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseDuration(text: string | number): number {
  if (typeof text === 'number') return checked(text * 1000, String(text));
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/i.exec(text);
  if (!match) throw new UsageError(`not a duration: "${text}" (examples: 500ms, 10s, 2m; a bare number means seconds)`);
  return checked(Number(match[1]) * units[(match[2] ?? 's').toLowerCase()]!, text);
}

function checked(ms: number, text: string): number {
  if (!Number.isFinite(ms) || ms <= 0) throw new UsageError(`duration must be positive: "${text}"`);
  return Math.round(ms);
}
