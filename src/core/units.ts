// Sizes as users write them: 512, 64K, 1.5G (binary units, as zonecfg's capped-memory).
import { ZoneError } from './errors.js';

const UNITS: Record<string, number> = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };

/** Bytes, or undefined when `text` is not a size. */
export function sizeBytes(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)([KMGT]?)(?:i?B)?$/i.exec(text.trim());
  return m === null ? undefined : Math.floor(Number(m[1]) * (UNITS[(m[2] ?? '').toUpperCase()] ?? 1));
}

export function parseSize(text: string, what: string): number {
  const bytes = sizeBytes(text);
  if (bytes === undefined) throw new ZoneError('usage', `${what} "${text}": expected a size such as 512, 64K, 20G`);
  return bytes;
}

/** "12.3M": bytes as a user writes a size. */
export function formatSize(bytes: number): string {
  for (const [unit, n] of [
    ['G', 2 ** 30],
    ['M', 2 ** 20],
    ['K', 2 ** 10],
  ] as const) {
    if (bytes >= n) return `${(bytes / n).toFixed(1).replace(/\.0$/, '')}${unit}`;
  }
  return String(bytes);
}

export function parseCount(text: string, what: string): number {
  if (!/^\d+$/.test(text.trim())) throw new ZoneError('usage', `${what} "${text}": expected a whole number`);
  return Number(text);
}
