/**
 * exports.html — CSV downloads for the period "Du" – "Au": plain links (the session
 * cookie goes along), one per export the role may use, updated as the dates change.
 */
import { exportUrl } from '../api.js';
import { firstDayOfMonth, lastDayOfMonth, monthOf } from '../dates.js';
import { exportsFor } from '../staff-roles.js';
import { exportLinks } from '../templates-staff.js';
import {
  $, clearMessage, render, show, showMessage,
} from '../view.js';
import { initRange, readRange, rememberRange } from './range.js';
import { staffToday, startStaffPage } from './staff-common.js';

export async function start() {
  const me = await startStaffPage('exports', 'Exports');
  if (!me) return;
  const form = $('#export-form');
  const message = $('#export-message');
  const list = $('#exports');
  const allowed = exportsFor(me.staff_role);
  const month = monthOf(staffToday(me));
  initRange(form, { from: firstDayOfMonth(month), to: lastDayOfMonth(month) });

  const update = () => {
    const range = readRange(form);
    if (range.problem) showMessage(message, `${range.problem} Les liens sont inactifs en attendant.`);
    else {
      clearMessage(message);
      rememberRange(range);
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
  update();
  show($('#content'), true);
}
