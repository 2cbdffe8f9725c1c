/**
 * familles.html[?q=…] — find a family by the start of its name, its number or an e-mail,
 * page through the results ("Suivant"), open a family; administrators also create one.
 */
import { searchFamilies } from '../api.js';
import { canEditFamilies } from '../staff-roles.js';
import { familyCreated, familyResults } from '../templates-staff.js';
import {
  $, clearMessage, latestRequest, queryParam, render, replaceQuery, show, showMessageHtml,
} from '../view.js';
import { reportError } from '../common.js';
import { wireFamilyForm } from '../family-forms.js';
import { startStaffPage } from '../staff-common.js';

const state = {
  q: '',
  // cursors[i] is the cursor of page i (null for the first page).
  cursors: [null],
  page: 0,
  next: null,
};
let ui = null;
let run = null;

export async function start() {
  const me = await startStaffPage('familles', 'Familles');
  if (!me) return;
  ui = {
    content: $('#content'),
    form: $('#search-form'),
    input: $('#search-q'),
    message: $('#search-message'),
    status: $('#result-status'),
    results: $('#results'),
    prev: $('#prev-page'),
    next: $('#next-page'),
  };
  run = latestRequest({
    busy: ui.form, region: ui.results, report: (error) => reportError(error, ui.message),
  });
  show(ui.content, true);

  if (canEditFamilies(me.staff_role)) {
    show($('#new-family'), true);
    const message = $('#family-message');
    wireFamilyForm($('#family-form'), message, {
      onCreated: (number, text) => showMessageHtml(message, familyCreated(number, text), 'success'),
    });
  }

  ui.form.addEventListener('submit', (event) => {
    event.preventDefault();
    state.q = ui.input.value.trim();
    state.cursors = [null];
    state.page = 0;
    load();
  });
  ui.next.addEventListener('click', () => {
    if (!state.next) return;
    state.cursors = state.cursors.slice(0, state.page + 1);
    state.cursors.push(state.next);
    state.page += 1;
    load({ focusList: true });
  });
  ui.prev.addEventListener('click', () => {
    if (state.page === 0) return;
    state.page -= 1;
    load({ focusList: true });
  });

  state.q = (queryParam('q') || '').trim();
  ui.input.value = state.q;
  await load();
}

async function load({ focusList = false } = {}) {
  clearMessage(ui.message);
  await run(() => searchFamilies(state.q, state.cursors[state.page]), {
    draw: (answer) => draw(answer, { focusList }),
    failed: () => {
      render(ui.results, '');
      ui.status.textContent = '';
      show(ui.next, false);
      show(ui.prev, state.page > 0);
    },
  });
}

function draw(answer, { focusList }) {
  replaceQuery({ q: state.q });
  const families = (answer && answer.families) || [];
  state.next = (answer && answer.next) || null;
  render(ui.results, familyResults(families));
  const n = families.length;
  const pageText = state.page > 0 || state.next ? ` (page ${state.page + 1})` : '';
  ui.status.textContent = n
    ? `${n} famille${n >= 2 ? 's' : ''} affichée${n >= 2 ? 's' : ''}${pageText}.`
    : '';
  show(ui.next, Boolean(state.next));
  show(ui.prev, state.page > 0);
  if (focusList) {
    const first = ui.results.querySelector('a');
    if (first) first.focus();
  }
}
