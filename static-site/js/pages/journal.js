/**
 * journal.html[?du=…&au=…] — who changed what and when (administrators), newest first,
 * each change with its before/after values on demand.
 */
import { getAudit } from '../api.js';
import { addDays } from '../format.js';
import { auditEntries } from '../templates-staff.js';
import {
  $, latestRequest, render, show, showFieldError, showMessage,
} from '../view.js';
import { clearErrors, reportError } from '../common.js';
import { initRange, readRange, rememberRange } from '../range.js';
import { staffToday, startStaffPage } from '../staff-common.js';

let ui = null;
let run = null;

export async function start() {
  const me = await startStaffPage('journal', 'Journal');
  if (!me) return;
  ui = {
    content: $('#content'),
    form: $('#range-form'),
    message: $('#range-message'),
    status: $('#journal-status'),
    entries: $('#entries'),
  };
  run = latestRequest({
    busy: ui.form, region: ui.entries, report: (error) => reportError(error, ui.message, ui.form),
  });
  const today = staffToday(me);
  initRange(ui.form, { from: addDays(today, -6), to: today });
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
  await run(() => getAudit(range.from, range.to), {
    draw: (answer) => {
      const entries = [...((answer && answer.entries) || [])]
        .sort((a, b) => (Date.parse(b.at) || 0) - (Date.parse(a.at) || 0));
      render(ui.entries, auditEntries(entries));
      const n = entries.length;
      ui.status.textContent = n ? `${n} modification${n >= 2 ? 's' : ''}.` : '';
      rememberRange(range);
    },
    failed: () => {
      render(ui.entries, '');
      ui.status.textContent = '';
    },
  });
}
