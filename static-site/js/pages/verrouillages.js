/**
 * verrouillages.html — the runs of the weekly lock (which freezes the bookings of slots
 * past their deadline) and a button to run it now; then the runs of the reminders sent to
 * families before a deadline, and those of the nightly purge of the families that left.
 */
import { getJobRuns, runLock } from '../api.js';
import { runsTable } from '../templates-staff.js';
import {
  $, render, setBusy, show, showMessage,
} from '../view.js';
import { clearErrors, reportError } from '../common.js';
import { startStaffPage } from '../staff-common.js';

let ui = null;

export async function start() {
  const me = await startStaffPage('verrouillages', 'Verrouillages');
  if (!me) return;
  ui = {
    pageMessage: $('#page-message'),
    content: $('#content'),
    button: $('#lock-now'),
    message: $('#lock-message'),
    runs: $('#runs'),
    reminderRuns: $('#reminder-runs'),
    purgeRuns: $('#purge-runs'),
  };
  if (!(await loadRuns(ui.pageMessage))) return;
  if (!(await loadReminderRuns(ui.pageMessage))) return;
  if (!(await loadJobRuns('purge', ui.purgeRuns, 'Exécutions de l\'anonymisation', ui.pageMessage))) return;
  show(ui.content, true);
  ui.button.addEventListener('click', lockNow);
}

/** Draw the list of runs; false when it could not be read. */
async function loadRuns(messageArea) {
  ui.runs.setAttribute('aria-busy', 'true');
  try {
    const answer = await getJobRuns('lock');
    const runs = [...((answer && answer.runs) || [])]
      .sort((a, b) => (Date.parse(b.started_at) || 0) - (Date.parse(a.started_at) || 0));
    render(ui.runs, runsTable(runs));
    return true;
  } catch (error) {
    reportError(error, messageArea);
    return false;
  } finally {
    ui.runs.removeAttribute('aria-busy');
  }
}

/** Draw the reminder runs; false when they could not be read. */
function loadReminderRuns(messageArea) {
  return loadJobRuns('reminders', ui.reminderRuns, 'Exécutions des rappels', messageArea);
}

/** Draw the runs of a scheduled job in ``area``, newest first; false when they could not
 * be read. */
async function loadJobRuns(job, area, caption, messageArea) {
  area.setAttribute('aria-busy', 'true');
  try {
    const answer = await getJobRuns(job);
    const runs = [...((answer && answer.runs) || [])]
      .sort((a, b) => (Date.parse(b.started_at) || 0) - (Date.parse(a.started_at) || 0));
    render(area, runsTable(runs, caption));
    return true;
  } catch (error) {
    reportError(error, messageArea);
    return false;
  } finally {
    area.removeAttribute('aria-busy');
  }
}

async function lockNow() {
  clearErrors(ui.message);
  setBusy(ui.button, true);
  let answer;
  try {
    answer = await runLock();
  } catch (error) {
    setBusy(ui.button, false);
    if (reportError(error, ui.message)) return;
    await loadRuns(ui.message);
    return;
  }
  setBusy(ui.button, false);
  const n = Array.isArray(answer && answer.frozen) ? answer.frozen.length : Number(answer && answer.run && answer.run.frozen_count) || 0;
  const failed = answer && answer.run && answer.run.outcome === 'failure';
  if (failed) {
    showMessage(ui.message, `Le verrouillage a échoué : ${answer.run.error || 'erreur inconnue'}.`);
  } else {
    showMessage(ui.message, `${n} créneau(x) verrouillé(s).`, 'success');
  }
  await loadRuns(ui.message);
}
