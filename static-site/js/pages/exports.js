/**
 * exports.html — CSV downloads: plain links (the session cookie goes along), one per
 * export the role may use, updated as the fields change. Most cover the period "Du" –
 * "Au"; the billing ones (administrators: "Factures", "Grand livre") cover a "Mois".
 * "Fichiers volumineux": a file of any size prepared on the server (an export job),
 * polled every second until its link (valid 15 minutes, straight to S3) is ready.
 */
import {
  createExportJob, exportUrl, getExportJob, monthExportUrl, reportUrl,
} from '../api.js';
import {
  addDays, addMonths, firstDayOfMonth, isIsoDate, isIsoMonth, isoWeekday, lastDayOfMonth,
  mondayOf, monthOf,
} from '../format.js';
import { exportsFor } from '../staff-roles.js';
import { exportJobStatus, exportLinks } from '../templates-staff.js';
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
  startStateReports(me, month);
  startFileExports(allowed, month);
  show($('#content'), true);
}

/**
 * "Rapports pour l'État et la CAF": one small form per report the role may download, each
 * with its own parameter; its link is live while the parameter is valid.
 */
function startStateReports(me, month) {
  const reports = exportsFor(me.staff_role, 'report');
  if (!reports.length) return;
  const message = $('#state-reports-message');
  const list = $('#state-reports');
  const forms = {
    caf: $('#caf-form'), meal_aid: $('#meal-aid-form'), meal_order: $('#meal-order-form'),
  };
  // Defaults: the month just over (the one to declare), the four months that started
  // last (September, January or May), next week's order.
  forms.caf.elements.month.value = addMonths(month, -1);
  const [year, number] = month.split('-').map(Number);
  const start = number >= 9 ? '09' : number >= 5 ? '05' : '01';
  forms.meal_aid.elements.month.value = addMonths(`${year}-${start}`, -4);
  forms.meal_order.elements.week.value = addDays(mondayOf(staffToday(me)), 7);

  // Each report's parameters, or a problem in French.
  const params = {
    caf: (f) => (isIsoMonth(f.elements.month.value) ? { month: f.elements.month.value }
      : { problem: "Rapport CAF : indiquez le mois (par exemple 2026-11)." }),
    meal_aid: (f) => {
      const first = f.elements.month.value;
      if (!isIsoMonth(first)) return { problem: 'Cantine à 1 € : indiquez le premier mois (par exemple 2026-09).' };
      return { from: first, to: addMonths(first, 3) };
    },
    meal_order: (f) => {
      const week = f.elements.week.value;
      if (!isIsoDate(week)) return { problem: 'Commande de repas : indiquez le lundi de la semaine.' };
      if (isoWeekday(week) !== 1) return { problem: `Commande de repas : la semaine commence un lundi (le ${mondayOf(week).split('-').reverse().join('/')}).` };
      return { week };
    },
  };
  const update = () => {
    const problems = [];
    const items = reports.map((x) => {
      const values = params[x.name](forms[x.name]);
      if (values.problem) problems.push(values.problem);
      return { name: x.name, label: x.label, href: values.problem ? null : reportUrl(x.name, values) };
    });
    if (problems.length) showMessage(message, `${problems.join(' ')} Le lien est inactif en attendant.`);
    else clearMessage(message);
    render(list, exportLinks(items));
  };
  reports.forEach((x) => {
    const form = forms[x.name];
    form.hidden = false;
    form.addEventListener('input', update);
    form.addEventListener('change', update);
    form.addEventListener('submit', (event) => event.preventDefault());
  });
  update();
  show($('#state-reports-section'), true);
}

const POLL_MS = 1000;
// The exports a file can be prepared for (the billing ones are a month: small enough).
const FILE_EXPORTS = ['headcounts', 'bookings', 'attendance', 'families'];

/** A fresh key for one request of a file (random, 128 bits, hex). */
function newExportKey() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return `exp-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

function startFileExports(allowed, month) {
  const choices = allowed.filter((x) => FILE_EXPORTS.includes(x.name));
  if (!choices.length) return;
  const form = $('#file-export-form');
  const status = $('#file-export-status');
  const message = $('#file-export-message');
  const button = $('#file-export-submit');
  const select = form.elements.export;
  choices.forEach((x) => select.add(new Option(x.label, x.name)));
  initRange(form, { from: firstDayOfMonth(month), to: lastDayOfMonth(month) });
  let timer = null;

  const follow = async (id) => {
    try {
      const job = await getExportJob(id);
      render(status, exportJobStatus(job));
      if (job.state === 'queued' || job.state === 'running') {
        timer = setTimeout(() => follow(id), POLL_MS);
        return;
      }
    } catch (error) {
      showMessage(message, error.message);
    }
    button.disabled = false;
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (button.disabled) return; // a double click asks once
    const range = readRange(form);
    if (range.problem && select.value !== 'families') {
      showMessage(message, range.problem);
      return;
    }
    clearMessage(message);
    clearTimeout(timer);
    button.disabled = true;
    try {
      // The families' list has no period: its dates are left out, not sent empty.
      const dated = select.value !== 'families';
      const job = await createExportJob(select.value, dated ? range.from : undefined,
        dated ? range.to : undefined, newExportKey());
      render(status, exportJobStatus(job));
      follow(job.id);
    } catch (error) {
      showMessage(message, error.message);
      button.disabled = false;
    }
  });
  show($('#file-exports-section'), true);
}
