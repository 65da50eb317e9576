// Request rates on the command line: `5/s`, `30/m`, `1000/h`; a bare number means per second.
import { UsageError } from '../result/errors.js';

const per: Record<string, number> = { s: 1, m: 60, h: 3600 };

/** Requests per second. */
export function parseRate(text: string | number): number {
  const match = typeof text === 'number' ? null : /^\s*(\d+(?:\.\d+)?)\s*(?:\/\s*(s|m|h))?\s*$/i.exec(text);
  const perSecond = typeof text === 'number' ? text : match ? Number(match[1]) / per[(match[2] ?? 's').toLowerCase()]! : NaN;
  if (!Number.isFinite(perSecond) || perSecond <= 0) {
    throw new UsageError(`not a rate: "${text}" (examples: 5/s, 30/m, 1000/h; a bare number means per second)`);
  }
  return perSecond;
}

/** A rate as it was probably written: `5/s`, `30/m`. */
export function formatRate(perSecond: number): string {
  if (perSecond >= 1) return `${+perSecond.toFixed(2)}/s`;
  if (perSecond * 60 >= 1) return `${+(perSecond * 60).toFixed(2)}/m`;
  return `${+(perSecond * 3600).toFixed(2)}/h`;
}
