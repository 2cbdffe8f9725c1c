/**
 * booking-messages.js — French wording of the booking answers: refused changes
 * (422 booking_refused) and days a period skipped. Pure, no DOM: importable from Node.
 */
import { formatLongDate, isIsoDate } from './format.js';

/** Reasons of a refused change, as the parent reads them. */
export const REFUSAL_REASONS = {
  deadline_passed: 'date limite dépassée',
  closed: 'fermé',
  not_bookable: 'non réservable',
};

/** Reasons of a day skipped by a period, in the summary line "12 jours ignorés (…)". */
export const SKIP_REASONS = {
  deadline_passed: 'date limite dépassée',
  closed: 'fermeture',
  not_bookable: 'vacances, jours fériés ou jours sans accueil',
};

function longDate(date) {
  return isIsoDate(date) ? formatLongDate(date) : String(date ?? '');
}

/**
 * One line per refused change: "lundi 7 décembre 2026 – Repas : date limite dépassée".
 * `labelOf(code)` gives a service's label.
 */
export function refusedLines(details, labelOf = (code) => code) {
  if (!Array.isArray(details)) return [];
  return details.map((d) => {
    const item = d || {};
    const reason = REFUSAL_REASONS[item.reason] || item.reason || 'refusé';
    return `${longDate(item.date)} – ${labelOf(item.service)} : ${reason}`;
  });
}

/** "12 jours ignorés (vacances, …)" per reason, counting distinct days. */
export function skippedLines(skipped) {
  if (!Array.isArray(skipped) || !skipped.length) return [];
  const byReason = new Map();
  for (const s of skipped) {
    const reason = s && s.reason ? s.reason : 'autre';
    if (!byReason.has(reason)) byReason.set(reason, new Set());
    byReason.get(reason).add(s && s.date);
  }
  return [...byReason.entries()].map(([reason, dates]) => {
    const n = dates.size;
    const label = SKIP_REASONS[reason] || REFUSAL_REASONS[reason] || reason;
    return `${n} ${n >= 2 ? 'jours ignorés' : 'jour ignoré'} (${label})`;
  });
}
