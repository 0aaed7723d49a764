// Sizes as users write them: 512, 64K, 1.5G (binary units, as zonecfg's capped-memory).
import { ZoneError } from './errors.js';

const UNITS: Record<string, number> = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };

export function parseSize(text: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)([KMGT]?)(?:i?B)?$/i.exec(text.trim());
  if (m === null) throw new ZoneError('usage', `${what} "${text}": expected a size such as 512, 64K, 20G`);
  return Math.floor(Number(m[1]) * (UNITS[(m[2] ?? '').toUpperCase()] ?? 1));
}

export function parseCount(text: string, what: string): number {
  if (!/^\d+$/.test(text.trim())) throw new ZoneError('usage', `${what} "${text}": expected a whole number`);
  return Number(text);
}
