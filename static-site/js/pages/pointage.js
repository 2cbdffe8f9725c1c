/**
 * pointage.html[?date=YYYY-MM-DD&prestation=code] — the tablet page of the canteen and
 * after-school care: one card per child, one tap on "Présent" or "Absent" saves at once;
 * for care services "Arrivée" / "Départ" stamp the device's time (Europe/Paris), which
 * can be corrected in the time fields; an absence can be marked justified, with a reason.
 *
 * Each tap updates the card at once and is saved in the background; saves of one child
 * run one after the other, the last state wins; a refused save puts the card back to
 * what the server holds and says why.
 */
import { getAttendance, saveAttendance } from '../api.js';
import { formatLongDate, isIsoDate, timeInParis } from '../format.js';
import { attendanceCard, attendanceGroup, attendanceName } from '../templates-staff.js';
import {
  $, $$, queryParam, render, replaceQuery, setBusy, setDocumentTitle, show,
  showMessage,
} from '../view.js';
import {
  clearErrors, errorField, errorText, followSessionError, reportError,
} from '../common.js';
import { startStaffPage } from '../staff-common.js';

const state = {
  date: null,
  service: null,
  view: null, // the last GET answer
  children: new Map(), // child_id → {info, confirmed, desired, inflight, again}
  seq: 0,
};
let ui = null;

export async function start() {
  const me = await startStaffPage('pointage', 'Pointage');
  if (!me) return;
  ui = {
    pageMessage: $('#page-message'),
    content: $('#content'),
    form: $('#att-form'),
    date: $('#att-date'),
    service: $('#att-service'),
    title: $('#att-title'),
    counters: $('#att-counters'),
    subcounters: $('#att-subcounters'),
    detail: $('#att-detail'),
    message: $('#att-message'),
    filter: $('#att-filter'),
    list: $('#att-list'),
  };
  const askedDate = isIsoDate(queryParam('date')) ? queryParam('date') : null;
  const askedService = queryParam('prestation');
  let ok = await load(askedDate, askedService, { first: true, quiet: Boolean(askedDate || askedService) });
  // A day or service from an old address may no longer exist: fall back to the defaults.
  if (ok === false && (askedDate || askedService)) ok = await load(null, null, { first: true });
  if (!ok) return;
  show(ui.content, true);
  wireEvents();
}

// --- Loading ---------------------------------------------------------------------------------

/**
 * Load a day and service (null: the server's defaults). Resolves to true when shown,
 * false when refused, null when sent to another page.
 */
async function load(date, service, { first = false, quiet = false } = {}) {
  const seq = ++state.seq;
  clearErrors(ui.message, ui.form);
  ui.list.setAttribute('aria-busy', 'true');
  if (!first) setBusy(ui.form, true);
  let view;
  try {
    view = await getAttendance(date, service);
  } catch (error) {
    if (seq !== state.seq) return false;
    if (!first) setBusy(ui.form, false);
    ui.list.removeAttribute('aria-busy');
    if (first) {
      if (followSessionError(error)) return null;
      if (!(quiet && error.status === 400)) showMessage(ui.pageMessage, errorText(error));
      return false;
    }
    if (reportError(error, ui.message, ui.form)) return null;
    // Nothing from the previous day or service stays on screen: a tap would record it there.
    state.seq += 1;
    state.children = new Map();
    render(ui.list, '');
    ui.title.textContent = '';
    ui.counters.textContent = '';
    ui.subcounters.textContent = '';
    show(ui.detail, false);
    return false;
  }
  if (seq !== state.seq) return false;
  if (!first) setBusy(ui.form, false);
  state.view = view;
  state.date = view.date || date;
  state.service = view.service || service;
  // Children not expected (no booking) come in "others": they can still be marked
  // present, in the "Autres enfants" group.
  const others = (view.others || []).map((c) => ({
    ...c,
    booked: false,
    record: null,
    meal_type: c.meal_type || '',
    allergies: c.allergies || '',
    pickup_people: c.pickup_people || [],
  }));
  state.children = new Map([...(view.children || []), ...others].map((c) => [String(c.child_id), {
    info: c,
    confirmed: c.record || null,
    desired: c.record || null,
    inflight: false,
    again: false,
  }]));
  replaceQuery({ date: state.date, prestation: state.service });
  drawControls();
  drawList();
  ui.list.removeAttribute('aria-busy');
  return true;
}

function activeServices() {
  return ((state.view && state.view.services) || []).filter((s) => s.mode !== 'off');
}

function isCare() {
  return Boolean(state.view && state.view.closing_time);
}

/** Garderie (or leisure centre), morning or evening: who may pick the child up matters. */
function isGarderie() {
  return isCare() || /^(care|centre)_/.test(String(state.service || ''));
}

function isBookedMode() {
  return Boolean(state.view && state.view.mode === 'booked');
}

function drawControls() {
  ui.date.value = state.date || '';
  const services = activeServices();
  ui.service.replaceChildren(...services.map((s) => {
    const option = document.createElement('option');
    option.value = s.code;
    option.textContent = s.label;
    option.selected = s.code === state.service;
    return option;
  }));
  const label = state.view.label || (services.find((s) => s.code === state.service) || {}).label || state.service;
  const dateText = isIsoDate(state.date) ? formatLongDate(state.date) : state.date;
  ui.title.textContent = `${label} – ${dateText}`;
  setDocumentTitle(`Pointage – ${label}`);
  const details = [];
  if (state.view.closing_time) details.push(`Fermeture : ${state.view.closing_time}`);
  if (state.view.mode === 'attendance') details.push('Sans réservation : pointez les enfants présents.');
  ui.detail.textContent = details.join(' · ');
  show(ui.detail, details.length > 0);
}

function sortByName(a, b) {
  return String(a.info.last_name).localeCompare(String(b.info.last_name), 'fr')
    || String(a.info.first_name).localeCompare(String(b.info.first_name), 'fr');
}

function drawList() {
  const all = [...state.children.values()].sort(sortByName);
  if (!all.length) {
    render(ui.list, '<p class="empty">Aucun enfant pour cette prestation ce jour-là.</p>');
    updateCounters();
    return;
  }
  const options = { care: isCare(), garderie: isGarderie(), bookedMode: isBookedMode() };
  const cards = (list) => list.map((c) => attendanceCard(c.info, options)).join('');
  let html;
  if (isBookedMode()) {
    const expected = all.filter((c) => c.info.booked);
    const others = all.filter((c) => !c.info.booked);
    html = attendanceGroup('att-expected', 'Enfants attendus', cards(expected), expected.length)
      + (others.length ? attendanceGroup('att-others', 'Autres enfants (sans réservation)', cards(others), others.length) : '');
  } else {
    html = attendanceGroup('att-all', 'Enfants', cards(all), all.length);
  }
  render(ui.list, html);
  for (const child of all) drawCard(child);
  applyFilter();
  updateCounters();
}

// --- One card ------------------------------------------------------------------------------

function cardOf(childId) {
  return $$('article.att-card', ui.list).find((a) => a.dataset.childId === String(childId)) || null;
}

/** Set a field's value unless the person is typing in it. */
function setValue(input, value) {
  if (!input || document.activeElement === input) return;
  if (input.type === 'checkbox') input.checked = Boolean(value);
  else input.value = value || '';
}

function drawCard(child) {
  const card = cardOf(child.info.child_id);
  if (!card) return;
  const record = child.desired;
  const status = record ? record.status : null;
  card.classList.toggle('is-present', status === 'present');
  card.classList.toggle('is-absent', status === 'absent');
  card.classList.toggle('is-saving', child.inflight);
  card.setAttribute('aria-busy', child.inflight ? 'true' : 'false');
  $('.att-present', card).setAttribute('aria-pressed', String(status === 'present'));
  $('.att-absent', card).setAttribute('aria-pressed', String(status === 'absent'));
  setValue(card.querySelector('[data-action="arrival-time"]'), record && record.arrival);
  setValue(card.querySelector('[data-action="departure-time"]'), record && record.departure);
  const absence = $('.att-absence', card);
  show(absence, status === 'absent');
  setValue(card.querySelector('[data-action="justified"]'), record && record.justified);
  setValue(card.querySelector('[data-action="reason"]'), record && record.reason);
  // Lateness is the server's reckoning: shown from the last saved record.
  const late = child.confirmed && status === 'present' ? Number(child.confirmed.late_minutes) || 0 : 0;
  const lateLine = $('.att-late', card);
  lateLine.textContent = late > 0 ? `Retard : ${late} min` : '';
  show(lateLine, late > 0);
}

function showCardError(child, error) {
  const card = cardOf(child.info.child_id);
  if (!card) return;
  const line = $('.att-error', card);
  const field = errorField(error);
  const where = field === 'arrival' ? ' (heure d\'arrivée)' : field === 'departure' ? ' (heure de départ)' : '';
  line.textContent = `Non enregistré pour ${attendanceName(child.info)}${where} : ${errorText(error)}`;
  show(line, true);
}

function clearCardError(child) {
  const card = cardOf(child.info.child_id);
  if (card) show($('.att-error', card), false);
}

// --- Counters and search ---------------------------------------------------------------------

function updateCounters() {
  const all = [...state.children.values()];
  const present = all.filter((c) => c.desired && c.desired.status === 'present').length;
  const absent = all.filter((c) => c.desired && c.desired.status === 'absent').length;
  const expectedList = isBookedMode() ? all.filter((c) => c.info.booked) : all;
  const unmarked = expectedList.filter((c) => !c.desired).length;
  ui.counters.textContent = `Présents : ${present} / attendus : ${expectedList.length}`;
  ui.subcounters.textContent = `Absents : ${absent} · Non pointés : ${unmarked}`;
}

function normalize(text) {
  return String(text).normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
}

function applyFilter() {
  const words = normalize(ui.filter.value).split(/\s+/).filter(Boolean);
  for (const card of $$('article.att-card', ui.list)) {
    const haystack = normalize(card.dataset.search || '');
    show(card, words.every((w) => haystack.includes(w)));
  }
}

// --- Saving ----------------------------------------------------------------------------------

const BLANK = {
  status: null, arrival: null, departure: null, justified: false, reason: '',
};

/** Apply a change to a child's wanted state, redraw its card, and save it. */
function change(childId, update) {
  const child = state.children.get(String(childId));
  if (!child) return;
  const before = child.desired || BLANK;
  child.desired = { ...BLANK, ...before, ...update(before) };
  clearCardError(child);
  drawCard(child);
  updateCounters();
  save(child);
}

async function save(child) {
  if (child.inflight) {
    child.again = true;
    return;
  }
  const seq = state.seq;
  const { date, service } = state;
  child.inflight = true;
  drawCard(child);
  try {
    do {
      child.again = false;
      const wanted = child.desired;
      try {
        // eslint-disable-next-line no-await-in-loop
        const record = await saveAttendance({
          date, service, child_id: child.info.child_id, ...wanted,
        });
        child.confirmed = record || wanted;
        if (!child.again) child.desired = { ...wanted, ...(record || {}) };
      } catch (error) {
        if (followSessionError(error)) return;
        child.desired = child.confirmed;
        child.again = false;
        if (seq === state.seq) showCardError(child, error);
      }
    } while (child.again);
  } finally {
    child.inflight = false;
  }
  if (seq !== state.seq) return; // another day or service is shown now
  drawCard(child);
  updateCounters();
}

function onClick(event) {
  const button = event.target instanceof Element ? event.target.closest('button[data-action]') : null;
  if (!button) return;
  const card = button.closest('article.att-card');
  if (!card) return;
  const id = card.dataset.childId;
  const now = timeInParis();
  switch (button.dataset.action) {
    case 'present':
      change(id, () => ({ status: 'present', justified: false, reason: '' }));
      break;
    case 'absent':
      change(id, (before) => ({
        status: 'absent',
        arrival: null,
        departure: null,
        justified: before.status === 'absent' ? before.justified : false,
        reason: before.status === 'absent' ? before.reason : '',
      }));
      break;
    case 'arrival':
      change(id, () => ({
        status: 'present', arrival: now, justified: false, reason: '',
      }));
      break;
    case 'departure':
      change(id, (before) => ({
        status: 'present', departure: now, arrival: before.status === 'present' ? before.arrival : null, justified: false, reason: '',
      }));
      break;
    default:
  }
}

function onFieldChange(event) {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || !input.dataset.action) return;
  const card = input.closest('article.att-card');
  if (!card) return;
  const id = card.dataset.childId;
  switch (input.dataset.action) {
    case 'arrival-time':
      change(id, (before) => ({
        status: 'present', arrival: input.value || null, departure: before.status === 'present' ? before.departure : null, justified: false, reason: '',
      }));
      break;
    case 'departure-time':
      change(id, (before) => ({
        status: 'present', departure: input.value || null, arrival: before.status === 'present' ? before.arrival : null, justified: false, reason: '',
      }));
      break;
    case 'justified':
      change(id, () => ({ status: 'absent', justified: input.checked }));
      break;
    case 'reason':
      change(id, () => ({ status: 'absent', reason: input.value.trim() }));
      break;
    default:
  }
}

function wireEvents() {
  ui.form.addEventListener('submit', (event) => {
    event.preventDefault();
    load(isIsoDate(ui.date.value) ? ui.date.value : state.date, ui.service.value || state.service);
  });
  ui.date.addEventListener('change', () => {
    if (isIsoDate(ui.date.value)) load(ui.date.value, ui.service.value || state.service);
  });
  ui.service.addEventListener('change', () => {
    if (ui.service.value) load(isIsoDate(ui.date.value) ? ui.date.value : state.date, ui.service.value);
  });
  ui.filter.addEventListener('input', applyFilter);
  ui.list.addEventListener('click', onClick);
  ui.list.addEventListener('change', onFieldChange);
}
