/**
 * format.js — dates and amounts: calendar arithmetic on ISO strings ("YYYY-MM-DD",
 * "YYYY-MM") and their French wording, as in the parents' guides ("lundi 7 décembre
 * 2026", "DÉCEMBRE 2026", "3,50 €"). One module, so a page fetches one file for both.
 *
 * Dates are handled by their parts, through UTC, so that no local time zone or daylight
 * saving change can shift a day. "Today" is the day in Europe/Paris, where the communes are.
 * Pure functions, no DOM.
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

// -- French wording ----------------------------------------------------------------------

const LONG_DATE = new Intl.DateTimeFormat('fr-FR', {
  weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: TIME_ZONE,
});
const MONTH_YEAR = new Intl.DateTimeFormat('fr-FR', {
  month: 'long', year: 'numeric', timeZone: TIME_ZONE,
});
const SHORT_DATE = new Intl.DateTimeFormat('fr-FR', {
  weekday: 'short', day: '2-digit', month: '2-digit', year: 'numeric', timeZone: TIME_ZONE,
});
const DATE_TIME = new Intl.DateTimeFormat('fr-FR', {
  day: '2-digit', month: '2-digit', year: 'numeric',
  hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: TIME_ZONE,
});
const DEADLINE_PARTS = new Intl.DateTimeFormat('fr-FR', {
  weekday: 'long', day: 'numeric', month: 'long', year: 'numeric',
  hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: TIME_ZONE,
});

/** "2026-12-07" → "lundi 7 décembre 2026". */
export function formatLongDate(iso) {
  return LONG_DATE.format(dateAtUtcNoon(iso));
}

/** "2026-12-07" → "lun. 07/12/2026" (tables). */
export function formatShortDate(iso) {
  return SHORT_DATE.format(dateAtUtcNoon(iso));
}

/** "2026-12-07" → "07.12.2026" (the account statement, as in the guide); other text as is. */
export function formatDotDate(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(iso ?? ''));
  return m ? `${m[3]}.${m[2]}.${m[1]}` : String(iso ?? '');
}

/**
 * An instant (ISO 8601 with offset) → "07/12/2026 14:03" in Paris time; '' when absent,
 * the text itself when it cannot be read.
 */
export function formatDateTime(isoDateTime) {
  if (!isoDateTime) return '';
  const instant = new Date(isoDateTime);
  if (Number.isNaN(instant.getTime())) return String(isoDateTime);
  const p = {};
  for (const part of DATE_TIME.formatToParts(instant)) p[part.type] = part.value;
  return `${p.day}/${p.month}/${p.year} ${p.hour}:${p.minute}`;
}

/** "2026-12" → "DÉCEMBRE 2026" (the month title of the booking grid). */
export function formatMonthTitle(month) {
  return MONTH_YEAR.format(dateAtUtcNoon(`${month}-01`)).toLocaleUpperCase('fr-FR');
}

/** "2026-12" → "décembre 2026". */
export function formatMonth(month) {
  return MONTH_YEAR.format(dateAtUtcNoon(`${month}-01`));
}

/**
 * A deadline instant (ISO with offset) → "jeudi 3 décembre à 17:00", in Paris time.
 * The year is added only when it differs from `referenceYear` (the booked day's year).
 */
export function formatDeadline(isoDateTime, referenceYear) {
  const instant = new Date(isoDateTime);
  if (Number.isNaN(instant.getTime())) return '';
  const p = {};
  for (const part of DEADLINE_PARTS.formatToParts(instant)) p[part.type] = part.value;
  const year = referenceYear !== undefined && String(referenceYear) !== p.year ? ` ${p.year}` : '';
  return `${p.weekday} ${p.day} ${p.month}${year} à ${p.hour}:${p.minute}`;
}

/**
 * Integer cents → "3,50 €", "1 234,56 €", "-2,00 €".
 * Plain spaces (the page keeps the amount on one line with CSS), so texts compare simply.
 */
export function formatMoney(cents) {
  const value = Math.round(Number(cents) || 0);
  const sign = value < 0 ? '-' : '';
  const abs = Math.abs(value);
  const euros = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
  return `${sign}${euros},${String(abs % 100).padStart(2, '0')} €`;
}

/** "1 jour" / "3 jours": French plural of a count (0 and 1 are singular). */
export function plural(count, singular, pluralForm = `${singular}s`) {
  return `${count} ${Math.abs(count) >= 2 ? pluralForm : singular}`;
}

/** A place on a waiting list, as parents read it: "liste d'attente, 3e" ("1re" first). */
export function waitingText(rank) {
  const n = Number(rank);
  if (!Number.isInteger(n) || n < 1) return 'liste d\'attente';
  return `liste d'attente, ${n}${n === 1 ? 're' : 'e'}`;
}
