/**
 * malades.html — « Enfants malades »: the days families reported sick over a period, with
 * their certificates; the admin reads a certificate and accepts or refuses it.
 */
import { decideCertificate, getSickReports, staffCertificateUrl } from '../api.js';
import { addDays, formatMoney } from '../format.js';
import { sickReportsTable } from '../templates-sick.js';
import {
  $, latestRequest, render, setBusy, show, showFieldError, showMessage,
} from '../view.js';
import { clearErrors, reportError } from '../common.js';
import { initRange, readRange, rememberRange } from '../range.js';
import { staffToday, startStaffPage } from '../staff-common.js';

let ui = null;
let run = null;
let canDecide = false;

export async function start() {
  const me = await startStaffPage('malades', 'Enfants malades');
  if (!me) return;
  canDecide = me.staff_role === 'admin';
  ui = {
    content: $('#content'),
    form: $('#range-form'),
    message: $('#range-message'),
    decision: $('#decision-message'),
    pending: $('#pending-only'),
    table: $('#sick-reports'),
  };
  run = latestRequest({
    busy: ui.form, region: ui.table, report: (error) => reportError(error, ui.message, ui.form),
  });
  const today = staffToday(me);
  initRange(ui.form, { from: addDays(today, -31), to: addDays(today, 30) });
  show(ui.content, true);
  ui.form.addEventListener('submit', (event) => {
    event.preventDefault();
    load();
  });
  ui.pending.addEventListener('change', () => load());
  ui.table.addEventListener('click', async (event) => {
    const button = event.target.closest('button[data-decision]');
    if (!button) return;
    clearErrors(ui.decision);
    setBusy(button, true);
    try {
      const answer = await decideCertificate(button.dataset.child, button.dataset.date,
        button.dataset.decision);
      showMessage(ui.decision, button.dataset.decision === 'accepted'
        ? acceptedText((answer && answer.refunds) || [])
        : 'Certificat refusé.', 'success');
    } catch (error) {
      reportError(error, ui.decision);
    }
    setBusy(button, false);
    await load();
  });
  await load();
}

/** What accepting did: days not billed, or, already invoiced, the credit per invoice. */
function acceptedText(refunds) {
  if (!refunds.length) return 'Certificat accepté : ces jours de maladie ne seront pas facturés.';
  const credits = refunds.map((r) => `${formatMoney(r.amount_cents)} sur la facture ${r.invoice}`);
  return `Certificat accepté : la famille est remboursée de ${credits.join(', ')} `
    + '(ligne « Régularisation » de son relevé de compte).';
}

async function load() {
  clearErrors(ui.message, ui.form);
  const range = readRange(ui.form);
  if (range.problem) {
    showMessage(ui.message, range.problem);
    showFieldError(ui.form, range.field, range.problem);
    return;
  }
  await run(() => getSickReports(range.from, range.to, ui.pending.checked), {
    draw: (answer) => {
      render(ui.table, sickReportsTable((answer && answer.reports) || [], staffCertificateUrl,
        canDecide));
      rememberRange(range);
    },
    failed: () => render(ui.table, ''),
  });
}
