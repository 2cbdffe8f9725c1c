/**
 * effectifs.html[?du=…&au=…] — how many children per day and service, by diet, and
 * whether the figure is final ("Verrouillé") or may still change ("Provisoire").
 */
import { getHeadcounts } from '../api.js';
import { addDays, mondayOf } from '../format.js';
import { headcountsTable } from '../templates-staff.js';
import {
  $, render, setBusy, show, showFieldError, showMessage,
} from '../view.js';
import { clearErrors, reportError } from '../common.js';
import { initRange, readRange, rememberRange } from '../range.js';
import { staffToday, startStaffPage } from '../staff-common.js';

let ui = null;
let seq = 0;

export async function start() {
  const me = await startStaffPage('effectifs', 'Effectifs');
  if (!me) return;
  ui = {
    content: $('#content'),
    form: $('#range-form'),
    message: $('#range-message'),
    table: $('#headcounts'),
  };
  // This week, Monday to Sunday (the device's date: the server answers for any period).
  const monday = mondayOf(staffToday(me));
  initRange(ui.form, { from: monday, to: addDays(monday, 6) });
  show(ui.content, true);
  ui.form.addEventListener('submit', (event) => {
    event.preventDefault();
    load();
  });
  await load();
}

async function load() {
  clearErrors(ui.message, ui.form);
  const range = readRange(ui.form);
  if (range.problem) {
    showMessage(ui.message, range.problem);
    showFieldError(ui.form, range.field, range.problem);
    return;
  }
  const mine = ++seq;
  ui.table.setAttribute('aria-busy', 'true');
  setBusy(ui.form, true);
  try {
    const answer = await getHeadcounts(range.from, range.to);
    if (mine !== seq) return;
    const days = [...((answer && answer.days) || [])];
    render(ui.table, headcountsTable(days));
    rememberRange(range);
  } catch (error) {
    if (mine !== seq) return;
    if (reportError(error, ui.message, ui.form)) return;
    render(ui.table, '');
  } finally {
    if (mine === seq) {
      setBusy(ui.form, false);
      ui.table.removeAttribute('aria-busy');
    }
  }
}
