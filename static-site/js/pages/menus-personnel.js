/**
 * menus-personnel.html[?semaine=YYYY-MM-DD] — the week's menus for the kitchen and the
 * administrators: per day "Menu végétarien", the dishes (one per row) with their allergens
 * among the 14 regulated ones, "Ajouter un plat"; "Enregistrer les menus" sends the week.
 */
import { getMenus, saveMenus } from '../api.js';
import { addDays, formatLongDate, isIsoDate, mondayOf } from '../format.js';
import { allergenSummary, dishRow, menuDayEditor } from '../templates-staff.js';
import {
  $, $$, clearMessage, confirmAction, focus, latestRequest, queryParam, render, replaceQuery,
  setBusy, show,
  showMessage,
} from '../view.js';
import { clearErrors, reportError } from '../common.js';
import { staffToday, startStaffPage } from '../staff-common.js';

const LEAVE = 'Les menus modifiés ne sont pas enregistrés. Si vous continuez, les modifications seront perdues. Continuer ?';

const state = {
  monday: null,
  allergens: {},
  dirty: false,
  nextKey: 0,
};
let ui = null;
let run = null;

export async function start() {
  const me = await startStaffPage('menus', 'Menus');
  if (!me) return;
  ui = {
    content: $('#content'),
    weekForm: $('#week-form'),
    weekDate: $('#week-date'),
    title: $('#week-title'),
    form: $('#menus-form'),
    days: $('#menu-days'),
    loadMessage: $('#menus-load-message'),
    message: $('#menus-message'),
    pending: $('#menus-pending'),
  };
  run = latestRequest({ region: ui.days, report: (error) => reportError(error, ui.loadMessage) });
  const asked = queryParam('semaine');
  state.monday = mondayOf(isIsoDate(asked) ? asked : staffToday(me));
  show(ui.content, true);
  wireEvents();
  await load();
}

function goToWeek(monday, { focusTitle = false } = {}) {
  if (monday === state.monday) {
    ui.weekDate.value = state.monday;
    return;
  }
  if (state.dirty && !confirmAction(LEAVE)) {
    ui.weekDate.value = state.monday;
    return;
  }
  state.monday = monday;
  load().then(() => { if (focusTitle) focus(ui.title); });
}

async function load() {
  const monday = state.monday;
  const friday = addDays(monday, 4);
  ui.weekDate.value = monday;
  ui.title.textContent = `Semaine du ${formatLongDate(monday)} au ${formatLongDate(friday)}`;
  replaceQuery({ semaine: monday });
  clearMessage(ui.loadMessage);
  clearErrors(ui.message, ui.form);
  await run(() => getMenus(monday, friday), {
    draw,
    failed: () => render(ui.days, ''),
  });
}

/** Monday to Friday, plus any other day of the week the server has a menu for. */
function draw(answer) {
  state.allergens = (answer && answer.allergens) || {};
  const byDate = new Map(((answer && answer.days) || []).map((d) => [d.date, d]));
  const dates = new Set([0, 1, 2, 3, 4].map((i) => addDays(state.monday, i)));
  for (const date of byDate.keys()) {
    if (date >= state.monday && date <= addDays(state.monday, 6)) dates.add(date);
  }
  const html = [...dates].sort().map((date) => {
    const day = byDate.get(date) || { date, vegetarian: false, dishes: [] };
    const dishes = day.dishes && day.dishes.length ? day.dishes : [{ name: '', allergens: [] }];
    const rows = dishes.map((dish, i) => dishRow(date, newKey(), i + 1, dish, state.allergens)).join('');
    return menuDayEditor({ ...day, date }, rows);
  }).join('');
  render(ui.days, html);
  setDirty(false);
}

function newKey() {
  state.nextKey += 1;
  return String(state.nextKey);
}

function setDirty(dirty) {
  state.dirty = dirty;
  ui.pending.textContent = dirty ? 'Modifications non enregistrées' : '';
}

/** Number the dishes of a day again ("Plat 1", "Plat 2", …) after an addition or removal. */
function renumber(dayBox) {
  $$('.dish-row', dayBox).forEach((row, i) => {
    $('.dish-label', row).textContent = `Plat ${i + 1}`;
    const hidden = row.querySelector('.remove-dish .visually-hidden');
    if (hidden) hidden.textContent = ` le plat ${i + 1}`;
    const legend = row.querySelector('.allergen-box legend');
    if (legend) legend.textContent = `Allergènes du plat ${i + 1}`;
  });
}

function addDish(dayBox) {
  const list = $('.dish-list', dayBox);
  const number = $$('.dish-row', dayBox).length + 1;
  list.insertAdjacentHTML('beforeend', dishRow(dayBox.dataset.date, newKey(), number, { name: '', allergens: [] }, state.allergens));
  const rows = $$('.dish-row', dayBox);
  rows[rows.length - 1].querySelector('.dish-name').focus();
  setDirty(true);
}

function removeDish(row) {
  const dayBox = row.closest('.menu-day-edit');
  const rows = $$('.dish-row', dayBox);
  const index = rows.indexOf(row);
  row.remove();
  renumber(dayBox);
  const left = $$('.dish-row', dayBox);
  focus(left[Math.min(index, left.length - 1)]?.querySelector('.dish-name') || $('.add-dish', dayBox));
  setDirty(true);
}

/**
 * The week as the API wants it: only days with a dish or marked vegetarian, only dishes
 * with a name. Each sent day and dish gets the `data-field` path of its place in the body,
 * so that an error about "days[1].dishes[0].name" shows next to the right field.
 */
function readWeek() {
  for (const el of $$('[data-field]', ui.days)) el.removeAttribute('data-field');
  const days = [];
  for (const dayBox of $$('.menu-day-edit', ui.days)) {
    const vegetarian = $('.menu-veg', dayBox).checked;
    const rows = $$('.dish-row', dayBox).filter((row) => $('.dish-name', row).value.trim());
    if (!rows.length && !vegetarian) continue;
    const i = days.length;
    dayBox.dataset.field = `days[${i}] days[${i}].date`;
    $('.menu-veg', dayBox).dataset.field = `days[${i}].vegetarian`;
    days.push({
      date: dayBox.dataset.date,
      vegetarian,
      dishes: rows.map((row, j) => {
        $('.dish-name', row).dataset.field = `days[${i}].dishes[${j}] days[${i}].dishes[${j}].name`;
        $('.allergen-box', row).dataset.field = `days[${i}].dishes[${j}].allergens`;
        return {
          name: $('.dish-name', row).value.trim(),
          allergens: $$('input.allergen:checked', row).map((b) => b.value),
        };
      }),
    });
  }
  return days;
}

async function save() {
  clearErrors(ui.message, ui.form);
  const days = readWeek();
  setBusy(ui.form, true);
  let answer;
  try {
    answer = await saveMenus(state.monday, days);
  } catch (error) {
    setBusy(ui.form, false);
    if (reportError(error, ui.message, ui.form)) return;
    // An error inside a closed allergen list: open it so the message can be seen.
    const note = ui.form.querySelector('.field-error');
    const details = note && note.closest('details');
    if (details) details.open = true;
    return;
  }
  setBusy(ui.form, false);
  if (answer && Array.isArray(answer.days)) draw({ allergens: answer.allergens || state.allergens, days: answer.days });
  else setDirty(false);
  showMessage(ui.message, 'Menus enregistrés.', 'success');
}

function wireEvents() {
  ui.weekForm.addEventListener('submit', (event) => {
    event.preventDefault();
    if (isIsoDate(ui.weekDate.value)) goToWeek(mondayOf(ui.weekDate.value));
  });
  ui.weekDate.addEventListener('change', () => {
    if (isIsoDate(ui.weekDate.value)) goToWeek(mondayOf(ui.weekDate.value));
  });
  $('#week-prev').addEventListener('click', () => goToWeek(addDays(state.monday, -7), { focusTitle: true }));
  $('#week-next').addEventListener('click', () => goToWeek(addDays(state.monday, 7), { focusTitle: true }));
  ui.form.addEventListener('submit', (event) => {
    event.preventDefault();
    save();
  });
  ui.days.addEventListener('click', (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    const add = target.closest('button.add-dish');
    if (add) addDish(add.closest('.menu-day-edit'));
    const remove = target.closest('button.remove-dish');
    if (remove) removeDish(remove.closest('.dish-row'));
  });
  ui.days.addEventListener('input', () => setDirty(true));
  ui.days.addEventListener('change', (event) => {
    setDirty(true);
    const box = event.target;
    if (box instanceof HTMLInputElement && box.classList.contains('allergen')) {
      const row = box.closest('.dish-row');
      const codes = $$('input.allergen:checked', row).map((b) => b.value);
      $('.allergen-summary', row).textContent = allergenSummary(codes, state.allergens);
    }
  });
}
