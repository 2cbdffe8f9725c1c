/**
 * format.js — French wording of dates, deadlines and amounts, as in the parents' guides
 * ("lundi 7 décembre 2026", "DÉCEMBRE 2026", "3,50 €"). Pure functions, no DOM.
 */
import { TIME_ZONE, dateAtUtcNoon } from './dates.js';

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
