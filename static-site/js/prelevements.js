/**
 * prelevements.js — the « Prélèvements automatiques » section of facturation.html: the
 * month's direct debits (scheduled at the validation of the month, each family told the
 * amount and date), « Émettre le fichier de prélèvement » for the régie's bank (pain.008),
 * the files already issued, and the bank's rejects. In titres mode the debits travel in
 * the bordereau: the section lists them, without a file of its own.
 */
import { debitFileUrl, getDebits, issueDebitFile, rejectDebit } from './api.js';
import { debitFilesList, debitsTable, rejectOptions } from './templates-debits.js';
import { formatDotDate, formatMoney, plural } from './format.js';
import { monthText } from './templates.js';
import { $, confirmAction, focus, render, setBusy, show, showMessage } from './view.js';
import { clearErrors, reportError } from './common.js';

const section = { month: null, ui: null, titres: false };

function draw(answer) {
  const { ui } = section;
  const debits = answer.debits || [];
  render(ui.list, debitsTable(debits));
  render(ui.files, debitFilesList(answer.files || [], (id) => debitFileUrl(answer.month, id)));
  const waiting = debits.filter((d) => d.status === 'prevu').length;
  ui.status.textContent = debits.length
    ? `${monthText(answer.month)} : ${plural(answer.count, 'prélèvement', 'prélèvements')} pour ${formatMoney(answer.total_cents)}, dont ${waiting} à transmettre.`
    : '';
  show(ui.issue, !section.titres && waiting > 0);
  const options = rejectOptions(debits, answer.reject_reasons || []);
  show(ui.rejectForm, options.any);
  render(ui.rejectForm.elements.invoice, options.invoices);
  render(ui.rejectForm.elements.code, options.reasons);
}

/** Read and draw a month's debits. */
export async function loadDebits(month) {
  if (!section.ui) return;
  section.month = month;
  const { ui } = section;
  ui.list.setAttribute('aria-busy', 'true');
  try {
    const answer = await getDebits(month);
    if (section.month === month) draw(answer);
  } catch (error) {
    reportError(error, ui.message);
  } finally {
    ui.list.removeAttribute('aria-busy');
  }
}

async function issue() {
  const { ui } = section;
  const month = section.month;
  if (!confirmAction(`Émettre le fichier de prélèvement de ${monthText(month)} ? Remettez-le ensuite à votre banque avant la date de prélèvement.`)) return;
  clearErrors(ui.message);
  setBusy(ui.issue, true);
  let answer;
  try {
    answer = await issueDebitFile(month);
  } catch (error) {
    setBusy(ui.issue, false);
    reportError(error, ui.message);
    return;
  }
  setBusy(ui.issue, false);
  const done = answer.issued || {};
  const parts = [];
  if (done.debits) parts.push(`fichier ${done.file} émis avec ${plural(done.debits, 'prélèvement', 'prélèvements')} : téléchargez-le ci-dessous et remettez-le à votre banque`);
  if (done.moved) parts.push(`${plural(done.moved, 'prélèvement reporté', 'prélèvements reportés')} au prochain jour de prélèvement (date passée ou famille pas encore prévenue), familles prévenues à nouveau`);
  if (done.cancelled) parts.push(`${plural(done.cancelled, 'prélèvement annulé', 'prélèvements annulés')} (mandat arrêté ou facture déjà payée)`);
  showMessage(ui.message, `${parts.join(' ; ') || 'Rien de nouveau'}.`, 'success');
  draw(answer);
  focus(ui.message);
}

async function reject() {
  const { ui } = section;
  const form = ui.rejectForm;
  clearErrors(ui.rejectMessage, form);
  const invoice = form.elements.invoice.value;
  const code = form.elements.code.value;
  const date = form.elements.date.value;
  if (!confirmAction(`Enregistrer le rejet du prélèvement de la facture ${invoice} (motif ${code}) ? La facture redevient à payer et la famille est prévenue.`)) return;
  setBusy(form, true);
  let answer;
  try {
    answer = await rejectDebit(section.month, invoice, code, date || null);
  } catch (error) {
    setBusy(form, false);
    reportError(error, ui.rejectMessage, form);
    return;
  }
  setBusy(form, false);
  const suspended = answer.mandate_status === 'suspended' ? ' Le mandat de la famille est suspendu (nombre de rejets atteint).' : '';
  showMessage(ui.rejectMessage, `Rejet enregistré pour la facture ${invoice} (${formatDotDate(answer.debit && answer.debit.reject ? answer.debit.reject.date : '')}) : elle est de nouveau à payer, la famille est prévenue.${suspended}`, 'success');
  await loadDebits(section.month);
  focus(ui.rejectMessage);
}

/** Wire the section; shown only where the commune offers direct debit. */
export function startDebits(settings, month) {
  const dd = settings && settings.direct_debit;
  const root = $('#debits-section');
  if (!dd || !dd.enabled) {
    show(root, false);
    return;
  }
  section.titres = Boolean(settings.collection && settings.collection.mode === 'titres');
  section.ui = {
    root,
    status: $('#debits-month'),
    message: $('#debits-message'),
    list: $('#debits'),
    files: $('#debit-files'),
    issue: $('#debits-issue'),
    rejectForm: $('#reject-form'),
    rejectMessage: $('#reject-message'),
  };
  show($('#debits-titres-help'), section.titres);
  show(root, true);
  section.ui.issue.addEventListener('click', issue);
  section.ui.rejectForm.addEventListener('submit', (event) => {
    event.preventDefault();
    reject();
  });
  loadDebits(month);
}
