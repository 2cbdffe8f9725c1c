/**
 * journal.html[?du=…&au=…] — who changed what and when (administrators), newest first,
 * each change with its before/after values on demand.
 */
import { getAudit } from '../api.js';
import { addDays } from '../format.js';
import { auditEntries } from '../templates-staff.js';
import {
  $, render, setBusy, show, showFieldError, showMessage,
} from '../view.js';
import { clearErrors, reportError } from '../common.js';
import { initRange, readRange, rememberRange } from '../range.js';
import { staffToday, startStaffPage } from '../staff-common.js';

let ui = null;
let seq = 0;

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
  const mine = ++seq;
  ui.entries.setAttribute('aria-busy', 'true');
  setBusy(ui.form, true);
  try {
    const answer = await getAudit(range.from, range.to);
    if (mine !== seq) return;
    const entries = [...((answer && answer.entries) || [])]
      .sort((a, b) => (Date.parse(b.at) || 0) - (Date.parse(a.at) || 0));
    render(ui.entries, auditEntries(entries));
    const n = entries.length;
    ui.status.textContent = n ? `${n} modification${n >= 2 ? 's' : ''}.` : '';
    rememberRange(range);
  } catch (error) {
    if (mine !== seq) return;
    if (reportError(error, ui.message, ui.form)) return;
    render(ui.entries, '');
    ui.status.textContent = '';
  } finally {
    if (mine === seq) {
      setBusy(ui.form, false);
      ui.entries.removeAttribute('aria-busy');
    }
  }
}
