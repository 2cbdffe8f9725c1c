/**
 * exports.html — CSV downloads: plain links (the session cookie goes along), one per
 * export the role may use, updated as the fields change. Most cover the period "Du" –
 * "Au"; the billing ones (administrators: "Factures", "Grand livre") cover a "Mois".
 */
import { exportUrl, monthExportUrl } from '../api.js';
import {
  addMonths, firstDayOfMonth, isIsoMonth, lastDayOfMonth, monthOf,
} from '../format.js';
import { exportsFor } from '../staff-roles.js';
import { exportLinks } from '../templates-staff.js';
import {
  $, clearMessage, queryParam, render, replaceQuery, show, showMessage,
} from '../view.js';
import { initRange, readRange } from '../range.js';
import { staffToday, startStaffPage } from '../staff-common.js';

export async function start() {
  const me = await startStaffPage('exports', 'Exports');
  if (!me) return;
  const month = monthOf(staffToday(me));
  const state = { range: null, month: null };

  // The address bar keeps both choices, so a reload shows the same links.
  const remember = () => {
    replaceQuery({
      du: state.range && state.range.from,
      au: state.range && state.range.to,
      mois: state.month,
    });
  };

  const form = $('#export-form');
  const message = $('#export-message');
  const list = $('#exports');
  const allowed = exportsFor(me.staff_role, 'range');
  initRange(form, { from: firstDayOfMonth(month), to: lastDayOfMonth(month) });
  const update = () => {
    const range = readRange(form);
    if (range.problem) showMessage(message, `${range.problem} Les liens sont inactifs en attendant.`);
    else clearMessage(message);
    if (!range.problem) {
      state.range = range;
      remember();
    }
    render(list, exportLinks(allowed.map((x) => ({
      name: x.name,
      label: x.label,
      href: range.problem ? null : exportUrl(x.name, range.from, range.to),
    }))));
  };
  form.addEventListener('input', update);
  form.addEventListener('change', update);
  form.addEventListener('submit', (event) => event.preventDefault());

  const monthly = exportsFor(me.staff_role, 'month');
  const section = $('#billing-exports-section');
  const monthForm = $('#month-export-form');
  const monthMessage = $('#month-export-message');
  const monthList = $('#billing-exports');
  const asked = queryParam('mois');
  // By default the month just over: the one that has just been invoiced.
  monthForm.elements.month.value = isIsoMonth(asked) ? asked : addMonths(month, -1);
  const updateMonth = () => {
    const value = monthForm.elements.month.value.trim();
    const ok = isIsoMonth(value);
    if (ok) clearMessage(monthMessage);
    else showMessage(monthMessage, 'Indiquez le mois (par exemple 2026-11). Les liens sont inactifs en attendant.');
    if (ok) {
      state.month = value;
      remember();
    }
    render(monthList, exportLinks(monthly.map((x) => ({
      name: x.name,
      label: x.label,
      href: ok ? monthExportUrl(x.name, value) : null,
    }))));
  };
  if (monthly.length) {
    monthForm.addEventListener('input', updateMonth);
    monthForm.addEventListener('change', updateMonth);
    monthForm.addEventListener('submit', (event) => event.preventDefault());
    updateMonth();
    show(section, true);
  }
  update();
  show($('#content'), true);
}
