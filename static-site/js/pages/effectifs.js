/**
 * effectifs.html[?du=…&au=…] — how many children per day and service, by diet, and
 * whether the figure is final ("Verrouillé") or may still change ("Provisoire").
 */
import { getHeadcounts } from '../api.js';
import { addDays, mondayOf } from '../format.js';
import { headcountsTable } from '../templates-staff.js';
import {
  $, latestRequest, render, show, showFieldError, showMessage,
} from '../view.js';
import { clearErrors, reportError } from '../common.js';
import { initRange, readRange, rememberRange } from '../range.js';
import { staffToday, startStaffPage } from '../staff-common.js';

let ui = null;
let run = null;

export async function start() {
  const me = await startStaffPage('effectifs', 'Effectifs');
  if (!me) return;
  ui = {
    content: $('#content'),
    form: $('#range-form'),
    message: $('#range-message'),
    table: $('#headcounts'),
  };
  run = latestRequest({
    busy: ui.form, region: ui.table, report: (error) => reportError(error, ui.message, ui.form),
  });
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
  await run(() => getHeadcounts(range.from, range.to), {
    draw: (answer) => {
      render(ui.table, headcountsTable([...((answer && answer.days) || [])]));
      rememberRange(range);
    },
    failed: () => render(ui.table, ''),
  });
}
