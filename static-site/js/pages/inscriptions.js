/**
 * inscriptions.html?enfant=<id>[&mois=YYYY-MM][&semaine=YYYY-MM-DD] — "Inscription manuelle".
 *
 * The month grid of the Saint-Just-d'Avray guide (rows grouped by week, one checkbox per
 * day and service, "[-]"/"[+]", "Enregistrer"), with the Sercus guide's week view, colours
 * and period booking. Unsaved ticks live in a BookingDraft; "Enregistrer" sends only them.
 */
import {
  ApiError, bookPeriod, getCalendar, getFamily, getSickDays, saveBookings,
} from '../api.js';
import { BookingDraft } from '../booking-draft.js';
import { bookableServices, buildGrid, mergeServices } from '../calendar-grid.js';
import {
  addDays, addMonths, firstDayOfMonth, formatLongDate, formatMonthTitle, isIsoDate, isIsoMonth, isoWeek, isoWeekday, lastDayOfMonth, mondayOf, monthOf, plural, todayInParis, waitingText,
} from '../format.js';
import { refusedLines, skippedDaysLines, skippedLines } from '../booking-messages.js';
import {
  bookingGrid, otherChildren, paragraphs, periodServices,
} from '../templates.js';
import {
  $, $$, clearMessage, confirmAction, focus, queryParam, render, replaceQuery, setBusy,
  setDocumentTitle, show, showMessage, showMessageHtml,
} from '../view.js';
import {
  errorText, followSessionError, sendStaffToConsole, wireLogout,
} from '../common.js';

const LEAVE_WITH_CHANGES = 'Vous avez des modifications non enregistrées. '
  + 'Si vous continuez, elles seront perdues. Continuer ?';
const CONFLICT = 'Les inscriptions ont été modifiées entre-temps. Veuillez réessayer.';

const state = {
  // Days the family reported this child sick (« malade »), marked in the grid.
  sickDays: new Set(),
  childId: null,
  child: null,
  otherChildren: [],
  view: 'month',
  month: null,
  today: null,
  weekStart: null,
  services: [],
  calendars: [],
  menus: new Map(), // date → {vegetarian, dishes}: the canteen's menu beside each day
  draft: new BookingDraft(),
  loadSeq: 0,
  loaded: false,
  familyShown: false,
  leaving: false, // the parent confirmed leaving: the browser need not ask again
  weekdaysSet: false, // the period form's days follow the school days once
};

let ui = null;

export async function start() {
  wireLogout();
  ui = {
    pageMessage: $('#page-message'),
    booking: $('#booking'),
    childName: $('#child-name'),
    backLink: $('#back-link'),
    title: $('#period-title'),
    calendar: $('#calendar'),
    viewWeek: $('#view-week'),
    viewMonth: $('#view-month'),
    monthNav: $('#month-nav'),
    weekNav: $('#week-nav'),
    bookingForm: $('#booking-form'),
    pending: $('#pending-count'),
    saveMessage: $('#save-message'),
    others: $('#other-children'),
    othersList: $('#other-children-list'),
    periodForm: $('#period-form'),
    periodServices: $('#period-services'),
    periodMessage: $('#period-message'),
    noBooking: $('#no-booking-note'),
  };

  state.childId = queryParam('enfant');
  // The grid's one call brings the family too (its children, the server's date, which
  // wins over the device's for deadlines). Only a link that names no child asks the
  // family first, to take its first child.
  if (!state.childId) {
    let family = null;
    try {
      family = await getFamily();
    } catch (error) {
      if (followSessionError(error) || (await sendStaffToConsole(error))) return;
    }
    const first = family && (family.children || [])[0];
    if (!first) {
      showMessage(ui.pageMessage, 'Aucun enfant à inscrire. Revenez au relevé de situation.');
      return;
    }
    state.childId = String(first.id);
  }
  // Not awaited before the grid: one more request, the grid redraws when it lands.
  getSickDays().then((answer) => {
    state.sickDays = new Set(((answer && answer.reports) || [])
      .filter((r) => String(r.child_id) === String(state.childId)).map((r) => r.date));
    if (state.sickDays.size && state.loaded) draw();
  }).catch(() => {});
  const askedMonth = queryParam('mois');
  const askedWeek = queryParam('semaine');
  // No month asked: the first call takes the commune's current month (state.month null).
  if (isIsoMonth(askedMonth)) state.month = askedMonth;
  if (isIsoDate(askedWeek)) {
    state.view = 'week';
    state.weekStart = mondayOf(askedWeek);
    state.month = monthOf(addDays(state.weekStart, 3));
  }
  wireEvents();
  await load();
}

/** The family as the first calendar brought it: the child's name, the other children
 * ("Appliquer aussi à"), today's date, the period form's dates. Once. */
function applyFamily(family) {
  if (state.familyShown) return;
  state.familyShown = true;
  state.today = (family && family.today) || todayInParis();
  const children = (family && family.children) || [];
  state.child = children.find((c) => String(c.id) === String(state.childId)) || state.child;
  state.otherChildren = children.filter((c) => String(c.id) !== String(state.childId));
  showChildName();
  if (state.otherChildren.length) {
    render(ui.othersList, otherChildren(state.otherChildren));
    show(ui.others, true);
  }
  initPeriodDates(state.today);
}

// --- Loading and drawing -----------------------------------------------------------------

function monthsFor(view, month, weekStart) {
  if (view === 'month') return [month]; // null the first time: the commune's month
  return [...new Set([monthOf(weekStart), monthOf(addDays(weekStart, 6))])];
}

function visibleRange() {
  if (state.view === 'month') {
    return [firstDayOfMonth(state.month), lastDayOfMonth(state.month)];
  }
  return [state.weekStart, addDays(state.weekStart, 6)];
}

/** Fetch the calendar month(s) the current view needs, then redraw. */
async function load() {
  const seq = ++state.loadSeq;
  const months = monthsFor(state.view, state.month, state.weekStart);
  ui.calendar.setAttribute('aria-busy', 'true');
  let calendars;
  try {
    // Each month comes with its menus (and, the first time, the family): one call a month.
    calendars = await Promise.all(months.map((m) => getCalendar(state.childId, m)));
  } catch (error) {
    if (seq !== state.loadSeq) return;
    if (followSessionError(error)) return;
    if (!state.loaded && (await sendStaffToConsole(error))) return;
    ui.calendar.removeAttribute('aria-busy');
    if (error instanceof ApiError && error.status === 404 && !state.loaded) {
      showMessage(ui.pageMessage, 'Cet enfant est introuvable. Revenez au relevé de situation pour choisir un enfant.');
      show(ui.booking, false);
      return;
    }
    showMessage(ui.pageMessage, `Le calendrier n'a pas pu être chargé. ${errorText(error)}`);
    if (!state.loaded) return;
    drawChrome();
    state.calendars = [];
    render(ui.calendar, '<p class="empty">Calendrier indisponible.</p>');
    return;
  }
  if (seq !== state.loadSeq) return;

  clearMessage(ui.pageMessage);
  if (!state.month) state.month = calendars[0].month;
  applyFamily(calendars[0].family);
  state.calendars = calendars;
  state.menus = menusOf(calendars);
  state.draft.replaceCalendars(calendars);
  const all = mergeServices(calendars);
  const services = bookableServices(all);
  if (serviceCodes(services) !== serviceCodes(state.services)) {
    state.services = services;
    drawPeriodServices();
  }
  showNoBookingNote(all.filter((s) => s.mode === 'attendance'));
  if (!state.weekdaysSet) setSchoolWeekdays(calendars);
  if (calendars[0] && calendars[0].child) {
    state.child = { ...(state.child || {}), ...calendars[0].child };
    showChildName();
  }
  state.loaded = true;
  show(ui.booking, true);
  ui.calendar.removeAttribute('aria-busy');
  draw();
}

/** The menus of the months shown, by date (each calendar brings its month's). */
function menusOf(calendars) {
  return new Map(calendars.flatMap((c) => ((c.menus && c.menus.days) || []))
    .map((d) => [d.date, d]));
}

/** "Garderie matin : pas besoin de réserver" for services staff record on the spot. */
function showNoBookingNote(services) {
  if (!ui.noBooking) return;
  const names = services.map((s) => s.label);
  ui.noBooking.textContent = names.length
    ? `${names.join(', ')} : pas besoin de réserver, la présence est pointée sur place.`
    : '';
  show(ui.noBooking, names.length > 0);
}

/**
 * Tick in the period form only the weekdays with school (a Wednesday without school would
 * only come back as skipped). Done once, from the first months loaded; a month without
 * any school day (summer) leaves the form as it is.
 */
function setSchoolWeekdays(calendars) {
  const schoolDays = new Set(calendars.flatMap((c) => c.days || [])
    .filter((d) => d.school_day).map((d) => isoWeekday(d.date)));
  if (!schoolDays.size) return;
  for (const box of $$('input[name="weekday"]', ui.periodForm)) {
    box.checked = schoolDays.has(Number(box.value));
  }
  state.weekdaysSet = true;
}

function serviceCodes(services) {
  return services.map((s) => s.code).join(',');
}

function showChildName() {
  if (!state.child) return;
  const name = [state.child.first_name, state.child.last_name].filter(Boolean).join(' ');
  ui.childName.textContent = name;
  setDocumentTitle(`Inscription manuelle – ${name}`);
}

/** Title, view toggles, navigation buttons and address bar for the current period. */
function drawChrome() {
  const week = state.view === 'week';
  ui.title.textContent = periodTitle();
  ui.viewWeek.setAttribute('aria-pressed', String(week));
  ui.viewMonth.setAttribute('aria-pressed', String(!week));
  show(ui.weekNav, week);
  show(ui.monthNav, !week);
  replaceQuery({
    enfant: state.childId,
    mois: state.month,
    semaine: week ? state.weekStart : null,
  });
}

function periodTitle() {
  if (state.view === 'month') return formatMonthTitle(state.month);
  const end = addDays(state.weekStart, 6);
  return `Semaine ${isoWeek(state.weekStart).week} – du ${formatLongDate(state.weekStart)} au ${formatLongDate(end)}`;
}

function draw() {
  drawChrome();
  const [from, to] = visibleRange();
  const days = state.calendars
    .flatMap((c) => c.days || [])
    .filter((d) => d.date >= from && d.date <= to);
  const weeks = buildGrid(days, state.services, state.draft, serverNow());
  for (const week of weeks) {
    for (const day of week.days) {
      day.menu = state.menus.get(day.date) || null;
      if (state.sickDays.has(day.date)) day.notes = [...day.notes, 'Malade'];
    }
  }
  const who = state.child ? `${state.child.first_name} – ` : '';
  render(ui.calendar, bookingGrid(weeks, state.services, `Inscriptions de ${who}${periodTitle()}`));
  updatePending();
}

/**
 * The instant the grid reasons with: the device's clock when it agrees with the server's
 * date, else noon of the server's date (a device clock set wrong must not call a day past).
 */
function serverNow() {
  const device = new Date();
  if (!state.today || todayInParis(device) === state.today) return device;
  return new Date(`${state.today}T12:00:00+01:00`);
}

function updatePending() {
  const n = state.draft.size;
  ui.pending.textContent = n
    ? `${plural(n, 'modification')} non enregistrée${n >= 2 ? 's' : ''}`
    : '';
}

/** Reflect one ticked/unticked box on its cell and row without redrawing the grid. */
function updateCell(box) {
  const cell = box.closest('td');
  const row = box.closest('tr');
  if (cell) {
    cell.classList.toggle('is-booked', box.checked);
    cell.classList.toggle('is-changed', state.draft.isChanged(box.dataset.date, box.dataset.service));
  }
  if (row) {
    row.classList.toggle('is-booked', $$('input.tick-box', row).some((b) => b.checked));
  }
}

// --- Navigation --------------------------------------------------------------------------

/**
 * Change the period shown. Unsaved changes survive when the new view still holds their
 * month (week ↔ month inside one month); otherwise the parent confirms losing them.
 */
function navigate(update) {
  const next = { view: state.view, month: state.month, weekStart: state.weekStart };
  update(next);
  const nextMonths = monthsFor(next.view, next.month, next.weekStart);
  const pendingMonths = new Set(state.draft.list().map((c) => monthOf(c.date)));
  const loses = [...pendingMonths].some((m) => !nextMonths.includes(m));
  if (loses) {
    if (!confirmAction(LEAVE_WITH_CHANGES)) return;
    state.draft.clearChanges();
  }
  Object.assign(state, next);
  clearMessage(ui.saveMessage);
  load();
}

/** The week shown on switching to the week view: this week if in the month, else its first. */
function firstWeekOf(month) {
  const today = state.today || todayInParis();
  if (monthOf(today) === month) return mondayOf(today);
  const first = firstDayOfMonth(month);
  return isoWeekday(first) >= 6 ? mondayOf(addDays(first, 7)) : mondayOf(first);
}

/** The first day from `from` on with a box the parent can still tick, in these answers. */
function firstOpenDay(calendars, from) {
  const days = calendars.flatMap((c) => c.days || [])
    .filter((d) => d.date >= from)
    .sort((a, b) => a.date.localeCompare(b.date));
  const open = days.find((d) => state.services.some((s) => ((d.services || {})[s.code] || {}).editable));
  return open ? open.date : null;
}

/**
 * The week the week view opens on: in the month shown, the first week that can still be
 * booked (this week is usually all greyed, its deadline gone); for the current month, look
 * into the next one too. Without any, the old choice (this week, or the month's first).
 */
async function firstBookableWeek(month) {
  const today = state.today || todayInParis();
  const shown = state.calendars.filter((c) => c && c.month === month);
  let day = firstOpenDay(shown, today);
  if (!day && monthOf(today) === month) {
    try {
      day = firstOpenDay([await getCalendar(state.childId, addMonths(month, 1))], today);
    } catch (error) {
      day = null; // only a help: the week of today is shown then
    }
  }
  return day ? mondayOf(day) : firstWeekOf(month);
}

function wireEvents() {
  ui.calendar.addEventListener('change', (event) => {
    const box = event.target;
    if (!(box instanceof HTMLInputElement) || !box.classList.contains('tick-box')) return;
    state.draft.set(box.dataset.date, box.dataset.service, box.checked);
    updateCell(box);
    updatePending();
  });

  $('#month-prev').addEventListener('click', () => navigate((n) => { n.month = addMonths(n.month, -1); }));
  $('#month-next').addEventListener('click', () => navigate((n) => { n.month = addMonths(n.month, 1); }));
  $('#week-prev').addEventListener('click', () => navigate((n) => {
    n.weekStart = addDays(n.weekStart, -7);
    n.month = monthOf(addDays(n.weekStart, 3));
  }));
  $('#week-next').addEventListener('click', () => navigate((n) => {
    n.weekStart = addDays(n.weekStart, 7);
    n.month = monthOf(addDays(n.weekStart, 3));
  }));
  ui.viewWeek.addEventListener('click', async () => {
    if (state.view === 'week') return;
    const weekStart = await firstBookableWeek(state.month);
    if (state.view === 'week') return;
    navigate((n) => {
      n.view = 'week';
      n.weekStart = weekStart;
      n.month = monthOf(addDays(weekStart, 3));
    });
  });
  ui.viewMonth.addEventListener('click', () => {
    if (state.view === 'month') return;
    navigate((n) => { n.view = 'month'; });
  });

  wireLeaveGuard();

  ui.bookingForm.addEventListener('submit', (event) => {
    event.preventDefault();
    save();
  });
  ui.periodForm.addEventListener('submit', (event) => {
    event.preventDefault();
    applyPeriod();
  });
}

/**
 * Unsaved ticks are never lost without a question: any link or button that leaves the page
 * (the menu, "Retour au relevé de situation", "Déconnexion") asks first — in the capture
 * phase, before the element's own handler — and the browser asks on reload or close.
 */
function wireLeaveGuard() {
  document.addEventListener('click', (event) => {
    if (!state.draft.size || state.leaving) return;
    const target = event.target instanceof Element ? event.target : null;
    if (!target || !leavesPage(target)) return;
    if (confirmAction(LEAVE_WITH_CHANGES)) {
      state.leaving = true;
      return;
    }
    event.preventDefault();
    event.stopImmediatePropagation();
  }, true);
  window.addEventListener('beforeunload', (event) => {
    if (!state.draft.size || state.leaving) return;
    event.preventDefault();
    // Older browsers need returnValue set to show their own "leave this page?" dialog.
    event.returnValue = '';
  });
}

/** Whether a click on this element takes the parent away from the page. */
function leavesPage(target) {
  if (target.closest('#logout')) return true;
  const link = target.closest('a[href]');
  if (!link || link.target === '_blank' || link.hasAttribute('download')) return false;
  const href = link.getAttribute('href') || '';
  return !href.startsWith('#');
}

// --- Several children --------------------------------------------------------------------

/** This child first, then the other children the parent ticked ("Appliquer aussi à"). */
function targets() {
  const main = { id: state.childId, first_name: state.child ? state.child.first_name : '' };
  const others = $$('input[name="also-child"]:checked', ui.othersList).map((box) => ({
    id: box.value,
    first_name: box.dataset.firstName || '',
  }));
  return [main, ...others];
}

/** The calendar's reason for a greyed box of this child, or null. */
function whyOf(date, code) {
  for (const calendar of state.calendars) {
    const day = (calendar.days || []).find((d) => d.date === date);
    const why = day && day.reasons && day.reasons[code];
    if (why && why.label) return why.label;
  }
  return null;
}

function serviceLabel(code) {
  const service = state.services.find((s) => s.code === code);
  return service ? service.label : code;
}

/** Show one report per child (without names when only this child was concerned). */
function showReports(element, reports) {
  const many = reports.length > 1;
  const blocks = reports.map((r) => ({
    text: many && r.child.first_name ? `${r.child.first_name} : ${r.text}` : r.text,
    items: r.items || [],
  }));
  const kind = reports.every((r) => r.ok) ? 'success' : 'error';
  if (blocks.length === 1 && !blocks[0].items.length) {
    showMessage(element, blocks[0].text, kind);
  } else {
    showMessageHtml(element, paragraphs(blocks), kind);
  }
}

// --- "Enregistrer" -----------------------------------------------------------------------

async function save() {
  clearMessage(ui.saveMessage);
  const changes = state.draft.list();
  if (!changes.length) {
    showMessage(ui.saveMessage, 'Aucune modification à enregistrer.', 'info');
    return;
  }
  setBusy(ui.bookingForm, true);
  const reports = [];
  let mainSaved = false;
  let mainConflict = false;
  try {
    for (const child of targets()) {
      const isMain = String(child.id) === String(state.childId);
      try {
        const answer = await saveBookings(child.id, changes);
        const saved = answer && Number.isFinite(answer.saved) ? answer.saved : changes.length;
        const waiting = (answer && answer.waiting) || [];
        const full = waiting.map((w) => `${serviceLabel(w.service)} le ${formatLongDate(w.date)} (${waitingText(w.rank)})`);
        reports.push({ child, ok: true, text: `${saved} modification(s) enregistrée(s).${full.length ? ` Complet, inscrit en liste d'attente : ${full.join(' ; ')}. Vous serez prévenu par courriel si une place se libère.` : ''}` });
        if (isMain) mainSaved = true;
      } catch (error) {
        if (followSessionError(error)) return;
        if (error instanceof ApiError && error.status === 422 && error.code === 'booking_refused') {
          reports.push({
            child,
            ok: false,
            text: 'Aucune modification n\'a été enregistrée. Demandes refusées :',
            items: refusedLines(error.details, serviceLabel, isMain ? whyOf : undefined),
          });
        } else if (error instanceof ApiError && error.status === 409) {
          reports.push({ child, ok: false, text: CONFLICT });
          if (isMain) mainConflict = true;
        } else {
          reports.push({ child, ok: false, text: errorText(error) });
        }
      }
    }
  } finally {
    setBusy(ui.bookingForm, false);
  }
  showReports(ui.saveMessage, reports);
  if (mainSaved || mainConflict) state.draft.clearChanges();
  await load();
  // Keyboard users land on what happened, not on <body>.
  focus(ui.saveMessage);
}

// --- "Réserver une période" --------------------------------------------------------------

function initPeriodDates(today) {
  const first = firstDayOfMonth(state.month);
  const last = lastDayOfMonth(state.month);
  const from = $('#period-from');
  const to = $('#period-to');
  from.value = today > first && today <= last ? today : first;
  to.value = last;
}

function drawPeriodServices() {
  const ticked = new Set($$('input[name="service"]:checked', ui.periodServices).map((b) => b.value));
  render(ui.periodServices, periodServices(state.services));
  for (const box of $$('input[name="service"]', ui.periodServices)) {
    box.checked = ticked.has(box.value);
  }
}

async function applyPeriod() {
  clearMessage(ui.periodMessage);
  const form = ui.periodForm;
  const from = form.elements.from.value;
  const to = form.elements.to.value;
  const weekdays = $$('input[name="weekday"]:checked', form).map((b) => Number(b.value));
  const services = $$('input[name="service"]:checked', form).map((b) => b.value);
  const booked = (form.querySelector('input[name="action"]:checked') || {}).value !== 'cancel';

  const problems = [];
  if (!isIsoDate(from) || !isIsoDate(to)) problems.push('Indiquez les dates de début (« Du ») et de fin (« Au »).');
  else if (from > to) problems.push('La date « Du » doit précéder la date « Au ».');
  if (!weekdays.length) problems.push('Cochez au moins un jour de la semaine.');
  if (!services.length) problems.push('Cochez au moins une prestation.');
  if (problems.length) {
    showMessageHtml(ui.periodMessage, paragraphs(problems.map((text) => ({ text }))), 'error');
    return;
  }

  setBusy(form, true);
  const reports = [];
  try {
    for (const child of targets()) {
      try {
        const answer = await bookPeriod(child.id, {
          from, to, services, weekdays, booked,
        });
        // Days, not day × service: "4 jours" when Repas and Garderie soir were ticked.
        let days = answer && Number.isFinite(answer.days) ? answer.days : null;
        if (days === null) days = answer && Number.isFinite(answer.saved) ? answer.saved : 0;
        const summary = answer && Array.isArray(answer.skipped_days)
          ? skippedDaysLines(answer.skipped_days) : skippedLines(answer && answer.skipped);
        reports.push({
          child,
          ok: true,
          text: `${days} jour(s) enregistré(s).${answer && answer.waiting && answer.waiting.length ? ` ${answer.waiting.length} inscription(s) en liste d'attente (complet) : vous serez prévenu par courriel si une place se libère.` : ''}`,
          items: summary,
        });
      } catch (error) {
        if (followSessionError(error)) return;
        if (error instanceof ApiError && error.status === 422 && error.code === 'booking_refused') {
          reports.push({
            child, ok: false, text: 'Rien n\'a été enregistré. Demandes refusées :', items: refusedLines(error.details, serviceLabel),
          });
        } else if (error instanceof ApiError && error.status === 409) {
          reports.push({ child, ok: false, text: CONFLICT });
        } else {
          reports.push({ child, ok: false, text: errorText(error) });
        }
      }
    }
  } finally {
    setBusy(form, false);
  }
  showReports(ui.periodMessage, reports);
  await load();
}
