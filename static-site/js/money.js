/**
 * money.js — euros typed by a person ↔ integer cents, by string handling only (no float:
 * "4,15" is 415, never 414.99999). Pure, no DOM: importable from Node.
 */

const EUROS = /^(\d{1,7})(?:[.,](\d{1,2}))?$/;

/**
 * "3,50" / "3.5" / "3" / "3,50 €" → 350; "" → null; anything else → NaN.
 * Spaces (thousands separators) and a trailing "€" are allowed.
 */
export function parseEuros(text) {
  const compact = String(text ?? '').replace(/[\s\u00a0\u202f]/g, '').replace(/€$/, '');
  if (compact === '') return null;
  const m = EUROS.exec(compact);
  if (!m) return Number.NaN;
  const cents = (m[2] || '').padEnd(2, '0');
  return Number(m[1]) * 100 + Number(cents);
}

/** 350 → "3,50"; null → "" (the value of a price field). */
export function centsToEuros(cents) {
  if (cents === null || cents === undefined || cents === '') return '';
  const value = Math.trunc(Number(cents));
  if (!Number.isFinite(value)) return '';
  const sign = value < 0 ? '-' : '';
  const abs = Math.abs(value);
  return `${sign}${Math.floor(abs / 100)},${String(abs % 100).padStart(2, '0')}`;
}
