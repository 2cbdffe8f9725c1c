/**
 * attente.html[?jour=…] — a day's services with a number of places: confirmed / places,
 * and the waiting list in order; staff give a free place to an entry or take it off.
 */
import { getWaitingLists, promoteWaiting, removeWaiting } from '../api.js';
import { waitingListsView } from '../templates-staff.js';
import {
  $, confirmAction, latestRequest, queryParam, render, replaceQuery, show, showFieldError,
  showMessage,
} from '../view.js';
import { clearErrors, reportError } from '../common.js';
import { isIsoDate } from '../format.js';
import { staffToday, startStaffPage } from '../staff-common.js';

let ui = null;
let run = null;

export async function start() {
  const me = await startStaffPage('attente', "Listes d'attente");
  if (!me) return;
  ui = {
    content: $('#content'),
    form: $('#day-form'),
    date: $('#day-form-date'),
    message: $('#day-message'),
    lists: $('#waiting-lists'),
  };
  run = latestRequest({
    busy: ui.form, region: ui.lists, report: (error) => reportError(error, ui.message, ui.form),
  });
  const asked = queryParam('jour');
  ui.date.value = isIsoDate(asked) ? asked : staffToday(me);
  show(ui.content, true);
  ui.form.addEventListener('submit', (event) => {
    event.preventDefault();
    load();
  });
  ui.lists.addEventListener('click', act);
  await load();
}

async function load() {
  clearErrors(ui.message, ui.form);
  const date = ui.date.value;
  if (!isIsoDate(date)) {
    showMessage(ui.message, 'Indiquez un jour.');
    showFieldError(ui.form, 'date', 'Indiquez un jour.');
    return;
  }
  await run(() => getWaitingLists(date), {
    draw: (answer) => {
      render(ui.lists, waitingListsView(answer));
      replaceQuery({ jour: date });
    },
    failed: () => render(ui.lists, ''),
  });
}

async function act(event) {
  const button = event.target.closest('button[data-action]');
  if (!button) return;
  const entry = {
    date: button.dataset.date, service: button.dataset.service, child_id: button.dataset.child,
  };
  const promote = button.dataset.action === 'promote';
  if (!promote && !confirmAction(`Retirer ${button.dataset.name} de la liste d'attente ?`)) return;
  clearErrors(ui.message, ui.form);
  button.disabled = true;
  try {
    await (promote ? promoteWaiting(entry) : removeWaiting(entry));
    showMessage(ui.message, promote
      ? `Place donnée à ${button.dataset.name} ; la famille est prévenue par courriel.`
      : `${button.dataset.name} est retiré(e) de la liste d'attente.`, 'success');
  } catch (error) {
    button.disabled = false;
    reportError(error, ui.message, ui.form);
    return;
  }
  await load();
}
