/**
 * semaine-type.html — "Semaine type": per child, the services of each school weekday;
 * applied to a period (every week, one in two, odd or even ISO weeks) for one or several
 * children at once, all or nothing.
 */
import {
  ApiError, applyTypicalWeeks, getTypicalWeeks, saveTypicalWeek,
} from '../api.js';
import { refusedLines, skippedDaysLines } from '../booking-messages.js';
import {
  addDays, isIsoDate, lastDayOfMonth, monthOf, todayInParis,
} from '../format.js';
import { paragraphs, typicalWeekChildren, typicalWeekForm } from '../templates.js';
import {
  $, $$, clearMessage, render, setBusy, show, showMessage, showMessageHtml,
} from '../view.js';
import {
  errorText, followSessionError, sendStaffToConsole, wireLogout,
} from '../common.js';

const state = { schoolDays: [], services: [], children: [] };
let ui = null;

export async function start() {
  wireLogout();
  ui = {
    pageMessage: $('#page-message'),
    weeks: $('#weeks'),
    applySection: $('#apply-section'),
    applyForm: $('#apply-form'),
    applyChildren: $('#apply-children'),
    applyMessage: $('#apply-message'),
  };
  ui.weeks.addEventListener('submit', (event) => {
    event.preventDefault();
    saveWeek(event.target);
  });
  ui.applyForm.addEventListener('submit', (event) => {
    event.preventDefault();
    apply();
  });
  // A month from next Monday: the nearest days are usually past their deadline.
  const today = todayInParis();
  const from = addDays(today, 7);
  ui.applyForm.elements.from.value = from;
  ui.applyForm.elements.to.value = lastDayOfMonth(monthOf(addDays(from, 28)));
  await load();
}

async function load() {
  try {
    const page = await getTypicalWeeks();
    state.schoolDays = page.school_days || [];
    state.services = page.services || [];
    state.children = page.children || [];
  } catch (error) {
    if (followSessionError(error) || await sendStaffToConsole(error)) return;
    render(ui.weeks, '');
    showMessage(ui.pageMessage, errorText(error));
    return;
  }
  ui.weeks.removeAttribute('aria-busy');
  if (!state.children.length) {
    render(ui.weeks, '<p class="empty">Aucun enfant inscrit.</p>');
    return;
  }
  render(ui.weeks, state.children.map((entry) => typicalWeekForm(
    entry, state.schoolDays, state.services)).join(''));
  render(ui.applyChildren, typicalWeekChildren(state.children));
  show(ui.applySection, true);
}

async function saveWeek(form) {
  const message = form.querySelector('.message');
  clearMessage(message);
  const days = {};
  for (const day of state.schoolDays) {
    days[String(day)] = $$(`input[name="day-${day}"]:checked`, form).map((b) => b.value);
  }
  setBusy(form, true);
  try {
    const saved = await saveTypicalWeek(form.dataset.child, days);
    const entry = state.children.find((c) => c.child.id === form.dataset.child);
    if (entry) entry.saved = saved.saved;
    render(ui.applyChildren, typicalWeekChildren(state.children));
    showMessage(message, `Semaine type de ${saved.child.first_name} enregistrée.`, 'success');
  } catch (error) {
    if (followSessionError(error)) return;
    showMessage(message, errorText(error));
  } finally {
    setBusy(form, false);
  }
}

function firstName(childId) {
  const entry = state.children.find((c) => c.child.id === childId);
  return entry ? entry.child.first_name : childId;
}

function serviceLabel(code) {
  const service = state.services.find((s) => s.code === code);
  return service ? service.label : code;
}

async function apply() {
  clearMessage(ui.applyMessage);
  const form = ui.applyForm;
  const children = $$('input[name="child"]:checked', form).map((b) => b.value);
  const from = form.elements.from.value;
  const to = form.elements.to.value;
  const recurrence = (form.querySelector('input[name="recurrence"]:checked') || {}).value;
  const problems = [];
  if (!children.length) problems.push('Cochez au moins un enfant.');
  if (!isIsoDate(from) || !isIsoDate(to)) problems.push('Indiquez les dates de début (« Du ») et de fin (« Au »).');
  else if (from > to) problems.push('La date « Du » doit précéder la date « Au ».');
  if (problems.length) {
    showMessageHtml(ui.applyMessage, paragraphs(problems.map((text) => ({ text }))), 'error');
    return;
  }
  setBusy(form, true);
  try {
    const answer = await applyTypicalWeeks(children, from, to, recurrence);
    const blocks = answer.children.map((c) => ({
      text: `${firstName(c.child_id)} : ${c.days} jour(s) modifié(s).`,
    }));
    const skipped = skippedDaysLines(answer.skipped_days);
    if (skipped.length) blocks.push({ text: 'Jours sans école :', items: skipped });
    showMessageHtml(ui.applyMessage, paragraphs(blocks), 'success');
  } catch (error) {
    if (followSessionError(error)) return;
    if (error instanceof ApiError && error.code === 'typical_week_refused') {
      const items = (error.details || []).map((d) => `${firstName(d.child_id)} : ${
        refusedLines([d], serviceLabel)[0]}`);
      showMessageHtml(ui.applyMessage, paragraphs([{ text: error.message, items }]), 'error');
    } else {
      showMessage(ui.applyMessage, errorText(error));
    }
  } finally {
    setBusy(form, false);
  }
}
