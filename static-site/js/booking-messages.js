/**
 * booking-messages.js — French wording of the booking answers: refused changes
 * (422 booking_refused) and days a period skipped. Pure, no DOM: importable from Node.
 */
import { formatLongDate, isIsoDate } from './format.js';

/** Reasons of a refused change, as the parent reads them. */
export const REFUSAL_REASONS = {
  deadline_passed: 'date limite dépassée',
  closed: 'vacances, jour férié ou fermeture',
  not_bookable: 'non réservable',
  locked: 'verrouillé',
};

/**
 * Reasons of a day skipped by a period when the server gives no per-reason summary:
 * "closed" covers holidays, public holidays and closures; "not_bookable" a day without
 * school (a Wednesday) or a service booked on the spot.
 */
export const SKIP_REASONS = {
  deadline_passed: 'date limite dépassée',
  closed: 'vacances, jour férié ou fermeture',
  not_bookable: 'pas d\'école ce jour-là',
  locked: 'verrouillé',
};

function longDate(date) {
  return isIsoDate(date) ? formatLongDate(date) : String(date ?? '');
}

/**
 * One line per refused change: "lundi 7 décembre 2026 – Repas : date limite dépassée".
 * `labelOf(code)` gives a service's label.
 */
export function refusedLines(details, labelOf = (code) => code, whyOf = () => null) {
  if (!Array.isArray(details)) return [];
  return details.map((d) => {
    const item = d || {};
    // The calendar's own words for that box ("date limite dépassée (jeudi 26/11 17:00)")
    // say more than the refusal code.
    const reason = whyOf(item.date, item.service)
      || REFUSAL_REASONS[item.reason] || item.reason || 'refusé';
    return `${longDate(item.date)} – ${labelOf(item.service)} : ${reason}`;
  });
}

/**
 * The server's per-reason count of skipped days ([{code, label, days}]) as lines:
 * "4 jours ignorés : Vacances de Noël", "1 jour ignoré : pas d'école ce jour-là".
 */
export function skippedDaysLines(summary) {
  if (!Array.isArray(summary)) return [];
  return summary.filter((s) => s && Number(s.days) > 0).map((s) => {
    const n = Number(s.days);
    return `${n} ${n >= 2 ? 'jours ignorés' : 'jour ignoré'} : ${s.label || s.code}`;
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
