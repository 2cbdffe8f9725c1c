/**
 * calendar-grid.js — turns calendar answers into the rows of the booking grid:
 * which days are shown, grouped by ISO week, with their French date, holiday or closure
 * name, deadline text and one cell per service. Pure, no DOM: importable from Node.
 */
import { formatDeadline, formatLongDate, isoWeek, isoWeekday, todayInParis } from './format.js';

/** A holiday/closure field may be a name, an object with a name, or just true. */
function nameOf(value, fallback) {
  if (value === null || value === undefined || value === false) return null;
  if (typeof value === 'string') return value.trim() || fallback;
  if (typeof value === 'object') {
    for (const field of ['name', 'label', 'reason', 'title', 'description']) {
      if (typeof value[field] === 'string' && value[field].trim()) return value[field].trim();
    }
  }
  return fallback;
}

/** The holiday and closure names of a day: public holiday, closure, school holiday. */
function holidayNames(day) {
  const notes = [];
  const publicHoliday = nameOf(day.public_holiday, 'Jour férié');
  const closure = nameOf(day.closure, 'Fermeture');
  const schoolHoliday = nameOf(day.school_holiday, 'Vacances scolaires');
  if (publicHoliday) notes.push(publicHoliday);
  if (closure) notes.push(closure);
  if (schoolHoliday && !notes.includes(schoolHoliday)) notes.push(schoolHoliday);
  return notes;
}

/** A reason as the API gives it ({code, label}), or null. */
function reasonOf(value) {
  if (!value || typeof value !== 'object' || typeof value.label !== 'string') return null;
  return { code: String(value.code || ''), label: value.label };
}

/**
 * The notes of a day, in the guides' words: why it is closed ("jour férié (Noël)",
 * "fermeture (Grève)", "pas d'école ce jour-là"), then the school holidays' name when it
 * says more ("Vacances de Noël" beside "jour férié (Noël)").
 */
export function dayNotes(day) {
  const why = reasonOf(day.why_closed);
  if (!why) return holidayNames(day);
  const notes = [why.label];
  const schoolHoliday = nameOf(day.school_holiday, null);
  if (schoolHoliday && !notes.some((n) => n.includes(schoolHoliday))) notes.push(schoolHoliday);
  return notes;
}

const SHORT_WEEKDAYS = ['lun.', 'mar.', 'mer.', 'jeu.', 'ven.', 'sam.', 'dim.'];

/** "lun. 7": the day's label in a phone's narrow date column. */
export function shortDate(date) {
  return `${SHORT_WEEKDAYS[isoWeekday(date) - 1]} ${Number(date.slice(8, 10))}`;
}

/** Only services parents book: an attendance service ("pas besoin de réserver") is no column. */
export function bookableServices(services) {
  return services.filter((s) => s && s.mode !== 'attendance' && s.mode !== 'off');
}

/**
 * Whether the grid shows this day: every weekday (Monday–Friday), and a weekend day only
 * when it is a school day, a holiday or closure, or has something bookable or booked.
 */
export function isShown(day) {
  if (isoWeekday(day.date) <= 5) return true;
  if (day.school_day || holidayNames(day).length) return true;
  return Object.values(day.services || {}).some((cell) => cell && (cell.booked || cell.editable));
}

function deadlineState(deadline, editable, now, isPastDay) {
  if (!deadline || isPastDay) return null;
  const instant = new Date(deadline);
  if (Number.isNaN(instant.getTime())) return null;
  if (editable) return 'open';
  return instant.getTime() <= now.getTime() ? 'passed' : null;
}

/**
 * Rows of the grid, grouped by ISO week:
 * [{year, week, days: [{date, dateText, notes, isHoliday, isSchoolDay, anyChecked,
 *   deadline: {text, passed} | null,
 *   cells: [{code, label, ariaLabel, checked, editable, changed, deadline}]}]}]
 * `draft` gives the ticked state (server state plus unsaved changes); `now` is an instant.
 */
export function buildGrid(days, services, draft, now = new Date()) {
  const weeks = [];
  let current = null;
  for (const day of [...days].sort((a, b) => a.date.localeCompare(b.date))) {
    if (!isShown(day)) continue;
    const { year, week } = isoWeek(day.date);
    if (!current || current.year !== year || current.week !== week) {
      current = { year, week, days: [] };
      weeks.push(current);
    }
    current.days.push(buildDay(day, services, draft, now));
  }
  return weeks;
}

function buildDay(day, services, draft, now) {
  const dateText = formatLongDate(day.date);
  const dayYear = Number(day.date.slice(0, 4));
  // A day already gone needs no deadline line: its boxes are simply greyed.
  const isPastDay = day.date < todayInParis(now);
  const notes = dayNotes(day);
  const closed = Boolean(reasonOf(day.why_closed));
  const reasons = day.reasons || {};
  const cells = services.map((service) => {
    const cell = (day.services || {})[service.code] || {};
    const editable = Boolean(cell.editable);
    const state = deadlineState(cell.deadline, editable, now, isPastDay);
    const why = editable ? null : reasonOf(reasons[service.code]);
    return {
      code: service.code,
      label: service.label,
      ariaLabel: `${service.label} ${dateText}`,
      checked: draft ? draft.isChecked(day.date, service.code) : Boolean(cell.booked),
      editable,
      changed: draft ? draft.isChanged(day.date, service.code) : false,
      // On the waiting list: the box is ticked, and says its place in line.
      waitingRank: Number.isInteger(cell.waiting_rank) ? cell.waiting_rank : null,
      // Why the box is greyed ("date limite dépassée (jeudi 26/11 17:00)", "verrouillé").
      why,
      deadline: state
        ? { text: formatDeadline(cell.deadline, dayYear), passed: state === 'passed', raw: cell.deadline }
        : null,
    };
  });

  // One deadline line for the day when all services share it, else one per cell.
  const withDeadline = cells.filter((c) => c.deadline);
  const distinct = new Set(withDeadline.map((c) => `${c.deadline.raw}|${c.deadline.passed}`));
  let deadline = null;
  if (withDeadline.length && distinct.size === 1) {
    deadline = { text: withDeadline[0].deadline.text, passed: withDeadline[0].deadline.passed };
    for (const c of cells) c.deadline = null;
  }

  // Why boxes are greyed, said once for the day when they all share it; a closed day
  // says it in its notes already, and a day gone by needs no words.
  let reason = null;
  const greyed = cells.filter((c) => c.why);
  if (closed || isPastDay) {
    for (const c of cells) c.showWhy = false;
  } else if (greyed.length === cells.length && cells.length
      && new Set(greyed.map((c) => c.why.label)).size === 1) {
    reason = greyed[0].why;
    for (const c of cells) c.showWhy = false;
  } else {
    for (const c of cells) c.showWhy = Boolean(c.why);
  }
  // A greyed box says why; its deadline line would repeat "date limite dépassée".
  if (reason || greyed.length) {
    for (const c of cells) if (c.why && c.deadline && c.deadline.passed) c.deadline = null;
    if (deadline && deadline.passed && (reason || greyed.length === cells.length)) deadline = null;
  }

  return {
    date: day.date,
    dateText,
    shortText: shortDate(day.date),
    reason,
    notes,
    isHoliday: holidayNames(day).length > 0,
    isSchoolDay: Boolean(day.school_day),
    anyChecked: cells.some((c) => c.checked),
    deadline,
    cells,
  };
}

/** Services of several calendar answers, first-seen order, without duplicates. */
export function mergeServices(calendars) {
  const seen = new Map();
  for (const calendar of calendars) {
    for (const service of (calendar && calendar.services) || []) {
      if (!seen.has(service.code)) seen.set(service.code, service);
    }
  }
  return [...seen.values()];
}
