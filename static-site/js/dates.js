/**
 * dates.js — calendar arithmetic on ISO strings ("YYYY-MM-DD", "YYYY-MM").
 *
 * Dates are handled by their parts, through UTC, so that no local time zone or daylight
 * saving change can shift a day. "Today" is the day in Europe/Paris, where the communes are.
 * Pure functions, no DOM: importable from Node for tests.
 */

export const TIME_ZONE = 'Europe/Paris';

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_MONTH = /^(\d{4})-(\d{2})$/;

function pad2(n) {
  return String(n).padStart(2, '0');
}

/** True for a well-formed, existing calendar date "YYYY-MM-DD". */
export function isIsoDate(value) {
  const m = ISO_DATE.exec(String(value));
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d, 12));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/** True for "YYYY-MM" with a month 01..12. */
export function isIsoMonth(value) {
  const m = ISO_MONTH.exec(String(value));
  return Boolean(m) && Number(m[2]) >= 1 && Number(m[2]) <= 12;
}

/** "2026-12-07" → Date at 12:00 UTC that day (the same calendar day in Paris). */
export function dateAtUtcNoon(iso) {
  const m = ISO_DATE.exec(String(iso));
  if (!m) throw new RangeError(`Date ISO invalide : ${iso}`);
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 12));
}

function toIso(date) {
  return `${date.getUTCFullYear()}-${pad2(date.getUTCMonth() + 1)}-${pad2(date.getUTCDate())}`;
}

/** ISO date plus n days (n may be negative). */
export function addDays(iso, n) {
  const date = dateAtUtcNoon(iso);
  date.setUTCDate(date.getUTCDate() + n);
  return toIso(date);
}

/** ISO weekday: 1 = Monday … 7 = Sunday. */
export function isoWeekday(iso) {
  const day = dateAtUtcNoon(iso).getUTCDay();
  return day === 0 ? 7 : day;
}

/** The Monday of the ISO week holding this date. */
export function mondayOf(iso) {
  return addDays(iso, 1 - isoWeekday(iso));
}

/** ISO 8601 week number and week-year of a date: {year, week}. */
export function isoWeek(iso) {
  const thursday = addDays(iso, 4 - isoWeekday(iso));
  const year = Number(thursday.slice(0, 4));
  const jan1 = dateAtUtcNoon(`${year}-01-01`);
  const dayOfYear = Math.round((dateAtUtcNoon(thursday) - jan1) / 86400000);
  return { year, week: Math.floor(dayOfYear / 7) + 1 };
}

/** "2026-12-07" → "2026-12". */
export function monthOf(iso) {
  return String(iso).slice(0, 7);
}

/** "2026-12" plus n months → "YYYY-MM". */
export function addMonths(month, n) {
  const m = ISO_MONTH.exec(String(month));
  if (!m) throw new RangeError(`Mois ISO invalide : ${month}`);
  const index = Number(m[1]) * 12 + (Number(m[2]) - 1) + n;
  return `${Math.floor(index / 12)}-${pad2((index % 12) + 1)}`;
}

/** First day of a month "YYYY-MM" → "YYYY-MM-01". */
export function firstDayOfMonth(month) {
  return `${month}-01`;
}

/** Last day of a month "YYYY-MM" → "YYYY-MM-28..31". */
export function lastDayOfMonth(month) {
  return addDays(firstDayOfMonth(addMonths(month, 1)), -1);
}

const PARIS_DAY = new Intl.DateTimeFormat('en-GB', {
  timeZone: TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit',
});

/** The calendar date in Europe/Paris at the instant `now` (default: the current instant). */
export function todayInParis(now = new Date()) {
  const parts = {};
  for (const part of PARIS_DAY.formatToParts(now)) {
    parts[part.type] = part.value;
  }
  return `${parts.year}-${parts.month}-${parts.day}`;
}

/** Every ISO date from `from` to `to`, both included. */
export function datesBetween(from, to) {
  const out = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}

const PARIS_TIME = new Intl.DateTimeFormat('en-GB', {
  timeZone: TIME_ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
});

/** The wall-clock time "HH:MM" in Europe/Paris at the instant `now` (default: now). */
export function timeInParis(now = new Date()) {
  const parts = {};
  for (const part of PARIS_TIME.formatToParts(now)) {
    parts[part.type] = part.value;
  }
  return `${parts.hour}:${parts.minute}`;
}

/** True for a wall-clock time "HH:MM" (00:00 to 23:59). */
export function isHhMm(value) {
  return /^([01]\d|2[0-3]):[0-5]\d$/.test(String(value));
}
