/**
 * facturation.html[?mois=YYYY-MM] — billing, for administrators: a month that is over is
 * first drafted ("Calculer la pré-facturation": each family's total, lines and the points
 * worth a look), then confirmed ("Valider la facturation": numbers, ledger, e-mails); the
 * runs of the invoicing job ("Reprendre" a step that failed); the invoices of a month with
 * their state and what remains to pay; the overpayments to refund or keep; the dated
 * tariffs and the "Nouveau tarif" form (price brackets by quotient familial, unit, late
 * fee, unbooked surcharge, sibling reduction). In titres mode, "Bordereaux de titres": the
 * month's bordereaux for the Treasury with their state and file, the acknowledgement
 * import, and "Émettre à nouveau" on a rejected one.
 *
 * Amounts are typed in euros ("3,50") and sent in cents (350), by string handling.
 */
import {
  bordereauFileUrl, buildDraft, confirmMonth, createTariff, getBillingMonth, getBordereaux,
  getJobRuns, getMonthInvoices, getOverpayments, getSettings, getTariffs, importAcknowledgement,
  reissueBordereau, settleOverpayment, staffInvoicePdfUrl,
} from '../api.js';
import {
  addMonths, firstDayOfMonth, formatDotDate, formatLongDate, formatMoney, isIsoDate, isIsoMonth, monthOf, plural,
} from '../format.js';
import { centsToEuros, parseEuros } from '../money.js';
import { messageWithList, monthText } from '../templates.js';
import {
  bordereauxTable, bracketRows, draftView, monthInvoicesTable, overpaymentsTable, runsTable,
  serviceOptions, tariffsList,
} from '../templates-staff.js';
import {
  $, $$, confirmAction, focus, latestRequest, queryParam, render, replaceQuery, setBusy, show,
  showFieldError, showMessage, showMessageHtml,
} from '../view.js';
import { clearErrors, reportError } from '../common.js';
import { staffToday, startStaffPage } from '../staff-common.js';
import { startTreasuryImport } from '../tresor-import.js';
import { loadDebits, startDebits } from '../prelevements.js';

const state = {
  today: null,
  services: [],
  tariffs: [],
  draft: null,          // the month's draft as last read
  onlyToCheck: false,
  titres: false,        // the commune collects through titres de recette
  titresMonth: null,    // the month whose bordereaux are shown
};
let ui = null;
let runInvoices = null;

export async function start() {
  const me = await startStaffPage('facturation', 'Facturation');
  if (!me) return;
  ui = {
    pageMessage: $('#page-message'),
    content: $('#content'),
    runForm: $('#run-form'),
    runMessage: $('#run-message'),
    draft: $('#draft'),
    runs: $('#runs'),
    runsMessage: $('#runs-message'),
    invoicesForm: $('#invoices-form'),
    invoicesMessage: $('#invoices-message'),
    invoicesStatus: $('#invoices-status'),
    invoices: $('#invoices'),
    overpayments: $('#overpayments'),
    overpaymentsMessage: $('#overpayments-message'),
    tariffs: $('#tariffs'),
    tariffsMessage: $('#tariffs-message'),
    tariffForm: $('#tariff-form'),
    tariffTitle: $('#new-tariff-title'),
    brackets: $('#brackets'),
    addBracket: $('#add-bracket'),
    tariffMessage: $('#tariff-message'),
    titres: $('#titres-section'),
    titresMonth: $('#titres-month'),
    titresMessage: $('#titres-message'),
    titresNotes: $('#titres-notes'),
    bordereaux: $('#bordereaux'),
    ackForm: $('#ack-form'),
  };
  runInvoices = latestRequest({
    busy: ui.invoicesForm,
    region: ui.invoices,
    report: (error) => reportError(error, ui.invoicesMessage, ui.invoicesForm),
  });
  state.today = staffToday(me);
  startTreasuryImport(); // its own section, at the end of the page
  const previous = addMonths(monthOf(state.today), -1);
  const asked = queryParam('mois');
  const month = isIsoMonth(asked) ? asked : previous;
  ui.runForm.elements.month.value = month;
  ui.invoicesForm.elements.month.value = month;

  let settings;
  try {
    settings = await getSettings();
  } catch (error) {
    reportError(error, ui.pageMessage);
    return;
  }
  state.services = Array.isArray(settings && settings.services) ? settings.services : [];
  state.titres = Boolean(settings && settings.collection && settings.collection.mode === 'titres');
  show(ui.titres, state.titres);
  render(ui.tariffForm.elements.service, serviceOptions(state.services, null));
  resetTariffForm();
  show(ui.content, true);
  wireEvents();
  startDebits(settings, month);
  await Promise.all([loadDraft(month), loadRuns(ui.runsMessage), loadInvoices(),
    loadOverpayments(), loadTariffs(), loadBordereaux(month)]);
}

function wireEvents() {
  ui.runForm.addEventListener('submit', (event) => {
    event.preventDefault();
    draftMonth();
  });
  ui.runForm.elements.month.addEventListener('change', () => {
    const month = ui.runForm.elements.month.value.trim();
    if (isIsoMonth(month)) {
      loadDraft(month);
      loadBordereaux(month);
      loadDebits(month);
    }
  });
  ui.ackForm.addEventListener('submit', (event) => {
    event.preventDefault();
    importAck();
  });
  ui.bordereaux.addEventListener('click', (event) => {
    const button = event.target instanceof Element ? event.target.closest('button.reissue-bordereau') : null;
    if (button) reissue(button);
  });
  ui.draft.addEventListener('click', (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    if (target.closest('#draft-rebuild')) draftMonth();
    else if (target.closest('#draft-confirm')) confirmDraft();
  });
  ui.draft.addEventListener('change', (event) => {
    if (event.target instanceof Element && event.target.id === 'draft-only-check') {
      state.onlyToCheck = event.target.checked;
      drawDraft();
      focus($('#draft-only-check'));
    }
  });
  ui.runs.addEventListener('click', (event) => {
    const button = event.target instanceof Element ? event.target.closest('button.resume-run') : null;
    if (button) resumeRun(button.dataset.month, button.dataset.step);
  });
  ui.invoicesForm.addEventListener('submit', (event) => {
    event.preventDefault();
    loadInvoices();
  });
  ui.overpayments.addEventListener('click', (event) => {
    const target = event.target instanceof Element ? event.target : null;
    const refund = target && target.closest('button.refund-overpayment');
    const keep = target && target.closest('button.keep-overpayment');
    if (refund) settle(refund, 'refund');
    else if (keep) settle(keep, 'keep');
  });
  ui.tariffs.addEventListener('click', (event) => {
    const button = event.target instanceof Element ? event.target.closest('button.copy-tariff') : null;
    if (button) copyTariff(Number(button.dataset.index));
  });
  const el = ui.tariffForm.elements;
  el.unit.addEventListener('change', syncTariffFields);
  el.unbooked_kind.addEventListener('change', syncTariffFields);
  ui.addBracket.addEventListener('click', addBracket);
  ui.brackets.addEventListener('click', (event) => {
    const button = event.target instanceof Element ? event.target.closest('button.remove-bracket') : null;
    if (button) removeBracket(Number(button.dataset.index));
  });
  ui.tariffForm.addEventListener('submit', (event) => {
    event.preventDefault();
    saveTariff();
  });
}

function serviceLabel(code) {
  const found = state.services.find((s) => s.code === code);
  return found ? found.label : String(code ?? '');
}

function capitalized(text) {
  return text ? text.charAt(0).toLocaleUpperCase('fr-FR') + text.slice(1) : text;
}

// --- The month: draft, then confirmation ------------------------------------------------------

function drawDraft() {
  if (!state.draft) {
    render(ui.draft, '');
    return;
  }
  render(ui.draft, draftView(state.draft, state.onlyToCheck));
}

/** Read and draw the month's draft; false when it could not be read. */
async function loadDraft(month) {
  ui.draft.setAttribute('aria-busy', 'true');
  try {
    state.draft = await getBillingMonth(month);
    drawDraft();
    return true;
  } catch (error) {
    state.draft = null;
    drawDraft();
    reportError(error, ui.runMessage);
    return false;
  } finally {
    ui.draft.removeAttribute('aria-busy');
  }
}

/** Draw the invoicing runs, newest first; false when they could not be read. */
async function loadRuns(messageArea) {
  ui.runs.setAttribute('aria-busy', 'true');
  try {
    const answer = await getJobRuns('invoice');
    const runs = [...((answer && answer.runs) || [])]
      .sort((a, b) => (Date.parse(b.started_at) || 0) - (Date.parse(a.started_at) || 0));
    render(ui.runs, runsTable(runs, 'Exécutions de la facturation'));
    return true;
  } catch (error) {
    reportError(error, messageArea);
    return false;
  } finally {
    ui.runs.removeAttribute('aria-busy');
  }
}

function draftSummary(answer, month) {
  const what = capitalized(monthText(answer.month || month));
  const toIssue = Number(answer.to_issue) || 0;
  const blocking = Number(answer.blocking) || 0;
  const already = Number(answer.already) || 0;
  const parts = [toIssue
    ? `${plural(toIssue, 'facture à émettre', 'factures à émettre')} pour ${formatMoney(answer.total_cents)}`
    : 'aucune facture à émettre'];
  if (already) parts.push(plural(already, 'famille déjà facturée', 'familles déjà facturées'));
  if (blocking) parts.push(plural(blocking, 'famille bloquée', 'familles bloquées'));
  return `${what} : pré-facturation calculée, ${parts.join(', ')}. Aucune facture n'est émise avant la validation.`;
}

function confirmSummary(answer, month) {
  const what = capitalized(monthText(answer.month || month));
  const invoiced = Number(answer.invoiced) || 0;
  const repaired = Number(answer.repaired) || 0;
  let text = invoiced
    ? `${what} : ${plural(invoiced, 'facture émise', 'factures émises')} pour un total de ${formatMoney(answer.total_cents)}, envoyées aux familles par courriel.`
    : `${what} : aucune nouvelle facture.`;
  if (repaired) text += ` ${plural(repaired, 'incohérence corrigée', 'incohérences corrigées')} (voir les exécutions).`;
  const debits = answer.debits;
  if (debits && debits.scheduled) text += ` ${plural(debits.scheduled, 'prélèvement prévu', 'prélèvements prévus')} le ${formatDotDate(debits.collection_date)}, familles prévenues (« Prélèvements automatiques »).`;
  const titres = answer.titres;
  if (titres && titres.error) text += ` Bordereau de titres non émis : ${titres.error}`;
  else if (titres && titres.created) text += ' Bordereau de titres émis : téléchargez-le ci-dessous (« Bordereaux de titres ») et transmettez-le au comptable public.';
  return text;
}

/** A step's error: blocking anomalies and missing tariffs are listed. */
function reportStepError(error, form = null) {
  if (error.code === 'draft_blocked' && Array.isArray(error.details) && error.details.length) {
    const items = error.details.map((d) => `${d.name} (n° ${d.family}) : ${(d.anomalies || []).map((a) => a.message).join(' ')}`);
    showMessageHtml(ui.runMessage, messageWithList(error.message, items));
    return false;
  }
  if (error.code === 'missing_tariff' && Array.isArray(error.details) && error.details.length) {
    const items = error.details.map((d) => `${serviceLabel(d.service)} : ${isIsoDate(d.date) ? formatLongDate(d.date) : d.date}`);
    showMessageHtml(ui.runMessage, messageWithList(error.message, items));
    return false;
  }
  return reportError(error, ui.runMessage, form);
}

/** Run one step (draft or confirm) of a month and show what it did. */
async function runStep(month, step, busyTarget) {
  clearErrors(ui.runMessage, ui.runForm);
  setBusy(busyTarget, true);
  let answer;
  try {
    answer = step === 'confirm' ? await confirmMonth(month) : await buildDraft(month);
  } catch (error) {
    setBusy(busyTarget, false);
    if (reportStepError(error, step === 'draft' ? ui.runForm : null)) return;
    // A step that failed half-way is listed with its error.
    await Promise.all([loadRuns(ui.runMessage), loadDraft(month)]);
    return;
  }
  setBusy(busyTarget, false);
  const run = answer && answer.run;
  if (answer && answer.started) {
    // Deployed, the step goes on in the background: its record shows how it ends.
    showMessage(ui.runMessage, answer.message || 'Le traitement est lancé.', 'success');
  } else if (run && run.outcome === 'failure') {
    showMessage(ui.runMessage, `Le traitement a échoué : ${run.error || 'erreur inconnue'}.`);
  } else {
    showMessage(ui.runMessage, step === 'confirm' ? confirmSummary(answer || {}, month)
      : draftSummary(answer || {}, month), 'success');
  }
  ui.runForm.elements.month.value = month;
  if (step === 'confirm') ui.invoicesForm.elements.month.value = month;
  await Promise.all([loadRuns(ui.runMessage), loadDraft(month), loadInvoices(),
    loadOverpayments(), loadBordereaux(month), loadDebits(month)]);
  focus(ui.runMessage);
}

async function draftMonth() {
  const form = ui.runForm;
  clearErrors(ui.runMessage, form);
  const month = form.elements.month.value.trim();
  if (!isIsoMonth(month)) {
    const text = 'Indiquez le mois à facturer (par exemple 2026-11).';
    showMessage(ui.runMessage, text);
    showFieldError(form, 'month', text);
    return;
  }
  await runStep(month, 'draft', form);
}

async function confirmDraft() {
  const draft = state.draft;
  if (!draft) return;
  const button = $('#draft-confirm');
  const summary = draft.summary || {};
  const question = `Valider la facturation de ${monthText(draft.month)} ?`
    + `\n${plural(Number(summary.to_issue) || 0, 'facture sera émise', 'factures seront émises')} pour ${formatMoney(Number(summary.total_cents) || 0)} et envoyée(s) aux familles par courriel.`
    + '\nUne facture émise ne se modifie plus : seul un avoir peut l\'annuler.';
  if (!confirmAction(question)) return;
  await runStep(draft.month, 'confirm', button || ui.runForm);
}

async function resumeRun(month, step) {
  if (!isIsoMonth(month) || (step !== 'draft' && step !== 'confirm')) return;
  if (step === 'confirm' && !confirmAction(`Reprendre la validation de ${monthText(month)} ? Les factures déjà émises ne le seront pas une seconde fois.`)) return;
  await runStep(month, step, ui.runs);
}

// --- Bordereaux of titres de recette (titres mode) ---------------------------------------------

/** Draw the month's bordereaux; false when they could not be read (nothing in régie mode). */
async function loadBordereaux(month) {
  if (!state.titres || !isIsoMonth(month)) return true;
  state.titresMonth = month;
  ui.bordereaux.setAttribute('aria-busy', 'true');
  try {
    const answer = await getBordereaux(month);
    if (state.titresMonth !== month) return true;  // another month was asked meanwhile
    ui.titresMonth.textContent = `Bordereaux de ${monthText(month)}.`;
    const notes = (answer && answer.notes) || [];
    render(ui.titresNotes, notes.length ? messageWithList('À signaler au comptable public :', notes) : '');
    render(ui.bordereaux, bordereauxTable((answer && answer.bordereaux) || [], bordereauFileUrl));
    return true;
  } catch (error) {
    reportError(error, ui.titresMessage);
    return false;
  } finally {
    ui.bordereaux.removeAttribute('aria-busy');
  }
}

/** The chosen file's bytes in base64 (the API takes JSON only). */
async function fileAsBase64(file) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

async function importAck() {
  const form = ui.ackForm;
  clearErrors(ui.titresMessage, form);
  const file = form.elements.file.files && form.elements.file.files[0];
  if (!file) {
    const text = 'Choisissez le fichier d\'accusé de réception.';
    showMessage(ui.titresMessage, text);
    showFieldError(form, 'content_base64', text);
    return;
  }
  setBusy(form, true);
  try {
    const answer = await importAcknowledgement(await fileAsBase64(file), file.name);
    const done = (answer && answer.bordereaux) || [];
    form.reset();
    await loadBordereaux(state.titresMonth || ui.runForm.elements.month.value.trim());
    showMessage(ui.titresMessage, done.map((b) => `Bordereau ${b.number} : ${String(b.state_label).toLowerCase()}.`).join(' ')
      || 'Accusé de réception importé.', 'success');
  } catch (error) {
    reportError(error, ui.titresMessage, form);
  } finally {
    setBusy(form, false);
  }
}

async function reissue(button) {
  clearErrors(ui.titresMessage);
  if (!confirmAction(`Émettre à nouveau le bordereau ${button.dataset.number}, avec les données corrigées ?\nUn nouveau fichier est créé ; transmettez-le au comptable public.`)) return;
  setBusy(button, true);
  try {
    const again = await reissueBordereau(button.dataset.id);
    await loadBordereaux(state.titresMonth);
    showMessage(ui.titresMessage, `Bordereau ${again.number} émis à nouveau (envoi ${again.attempt}) : téléchargez le fichier et transmettez-le.`, 'success');
  } catch (error) {
    reportError(error, ui.titresMessage);
  } finally {
    setBusy(button, false);
  }
}

// --- A month's invoices -----------------------------------------------------------------------

async function loadInvoices() {
  const form = ui.invoicesForm;
  clearErrors(ui.invoicesMessage, form);
  const month = form.elements.month.value.trim();
  const unpaid = form.elements.unpaid.checked;
  if (!isIsoMonth(month)) {
    const text = 'Indiquez le mois (par exemple 2026-11).';
    showMessage(ui.invoicesMessage, text);
    showFieldError(form, 'month', text);
    render(ui.invoices, '');
    ui.invoices.removeAttribute('aria-busy');
    ui.invoicesStatus.textContent = '';
    return;
  }
  await runInvoices(() => getMonthInvoices(month, unpaid), {
    draw: (answer) => {
      const invoices = [...((answer && answer.invoices) || [])]
        .sort((a, b) => String(a.number).localeCompare(String(b.number)));
      render(ui.invoices, monthInvoicesTable(invoices, month, staffInvoicePdfUrl));
      ui.invoicesStatus.textContent = invoices.length
        ? `${plural(invoices.length, unpaid ? 'facture restant à payer' : 'facture', unpaid ? 'factures restant à payer' : 'factures')} pour ${monthText(month)}.`
        : '';
      replaceQuery({ mois: month });
    },
    failed: () => {
      render(ui.invoices, '');
      ui.invoicesStatus.textContent = '';
    },
  });
}

// --- Overpayments -----------------------------------------------------------------------------

async function loadOverpayments() {
  ui.overpayments.setAttribute('aria-busy', 'true');
  try {
    const answer = await getOverpayments();
    render(ui.overpayments, overpaymentsTable((answer && answer.overpayments) || []));
    return true;
  } catch (error) {
    reportError(error, ui.overpaymentsMessage);
    return false;
  } finally {
    ui.overpayments.removeAttribute('aria-busy');
  }
}

async function settle(button, action) {
  clearErrors(ui.overpaymentsMessage);
  const amount = formatMoney(Number(button.dataset.amount) || 0);
  const family = button.dataset.family || '';
  const question = action === 'refund'
    ? `Enregistrer le remboursement de ${amount} à la famille ${family} (par virement) ?\nUne ligne « Remboursement » sera ajoutée à son relevé.`
    : `Conserver ${amount} sur le compte de la famille ${family} ?\nLa somme viendra en déduction de ses prochaines factures.`;
  if (!confirmAction(question)) return;
  setBusy(button, true);
  try {
    await settleOverpayment(button.dataset.id, action);
  } catch (error) {
    setBusy(button, false);
    if (reportError(error, ui.overpaymentsMessage)) return;
    await loadOverpayments();
    return;
  }
  showMessage(ui.overpaymentsMessage, action === 'refund'
    ? `Remboursement de ${amount} enregistré pour la famille ${family}.`
    : `${amount} conservés sur le compte de la famille ${family}.`, 'success');
  await Promise.all([loadOverpayments(), loadInvoices()]);
  focus($('#overpayments-title'));
}

// --- Tariffs ----------------------------------------------------------------------------------

async function loadTariffs() {
  ui.tariffs.setAttribute('aria-busy', 'true');
  try {
    const answer = await getTariffs();
    state.tariffs = Array.isArray(answer && answer.tariffs) ? answer.tariffs : [];
    render(ui.tariffs, tariffsList(state.tariffs, state.services, state.today));
    return true;
  } catch (error) {
    reportError(error, ui.tariffsMessage);
    return false;
  } finally {
    ui.tariffs.removeAttribute('aria-busy');
  }
}

/** The bracket rows as typed: [{max_qf, price}] (texts). */
function readBracketRows() {
  return $$('.bracket-row', ui.brackets).map((row) => ({
    max_qf: row.querySelector('.bracket-qf').value,
    price: row.querySelector('.bracket-price').value,
  }));
}

function drawBrackets(rows) {
  render(ui.brackets, bracketRows(rows));
}

function addBracket() {
  const rows = readBracketRows();
  // Added at the end: it becomes the "et au-delà" bracket, the one before needs a ceiling.
  rows.push({ max_qf: '', price: '' });
  drawBrackets(rows);
  focus($(`#bracket-${rows.length - 1}-qf`));
}

function removeBracket(index) {
  const rows = readBracketRows();
  if (rows.length <= 1) return;
  rows.splice(index, 1);
  drawBrackets(rows);
  const next = Math.min(index, rows.length - 1);
  focus($(`#bracket-${next}-qf`));
}

function syncTariffFields() {
  const el = ui.tariffForm.elements;
  show($('#block-field'), el.unit.value === 'block');
  show($('#unbooked-percent-field'), el.unbooked_kind.value === 'percent');
  show($('#unbooked-fixed-field'), el.unbooked_kind.value === 'fixed');
}

function defaultService() {
  const active = state.services.find((s) => s.mode !== 'off');
  return (active || state.services[0] || { code: '' }).code;
}

function fillTariffForm(t) {
  const el = ui.tariffForm.elements;
  el.service.value = t.service || defaultService();
  el.unit.value = t.unit === 'block' ? 'block' : 'session';
  el.block_minutes.value = t.block_minutes ?? '';
  el.late_fee.value = t.late_fee_cents ? centsToEuros(t.late_fee_cents) : '';
  el.late_per.value = t.late_fee_per_minutes ?? '';
  const unbooked = t.unbooked || null;
  el.unbooked_kind.value = unbooked ? unbooked.kind : '';
  el.unbooked_percent.value = unbooked && unbooked.kind === 'percent' ? unbooked.value : '';
  el.unbooked_fixed.value = unbooked && unbooked.kind === 'fixed' ? centsToEuros(unbooked.value) : '';
  el.sibling.value = t.sibling_reduction_percent ? t.sibling_reduction_percent : '';
  const prices = Array.isArray(t.prices) && t.prices.length ? t.prices : [{ max_qf: null, price_cents: null }];
  drawBrackets(prices.map((b) => ({
    max_qf: b.max_qf === null || b.max_qf === undefined ? '' : String(b.max_qf),
    price: centsToEuros(b.price_cents),
  })));
  syncTariffFields();
}

function resetTariffForm() {
  const el = ui.tariffForm.elements;
  const month = monthOf(state.today);
  // A tariff takes effect from the current month on; the next month is the usual choice.
  el.effective_from.min = firstDayOfMonth(month);
  el.effective_from.value = firstDayOfMonth(addMonths(month, 1));
  fillTariffForm({ service: defaultService() });
}

function copyTariff(index) {
  const tariff = state.tariffs[index];
  if (!tariff) return;
  clearErrors(ui.tariffMessage, ui.tariffForm);
  fillTariffForm(tariff);
  showMessage(ui.tariffMessage, `Tarif ${serviceLabel(tariff.service)} du ${formatLongDate(tariff.effective_from)} repris : choisissez la date d'effet, modifiez ce qui change puis enregistrez.`, 'info');
  focus(ui.tariffForm.elements.service);
}

/** '' → null; a whole number in [low, high] → the number; anything else → NaN. */
function wholeNumber(text, low, high) {
  const value = String(text ?? '').trim();
  if (value === '') return null;
  if (!/^\d+$/.test(value)) return Number.NaN;
  const n = Number(value);
  return n >= low && n <= high ? n : Number.NaN;
}

const EUROS_HINT = 'indiquez un montant en euros, par exemple 3,50';
/** The server refuses prices above 1 000 € (a typing slip: 415 € for 4,15 €). */
const MAX_PRICE_CENTS = 100000;
const TOO_HIGH = `au plus ${formatMoney(MAX_PRICE_CENTS)}`;

/** The tariff the form describes, or {problem: {field, text}}. */
function readTariff() {
  const el = ui.tariffForm.elements;
  const problem = (field, text) => ({ problem: { field, text } });
  const effectiveFrom = el.effective_from.value;
  if (!isIsoDate(effectiveFrom)) {
    return problem('tariff.effective_from', 'Indiquez la date à partir de laquelle le tarif s\'applique.');
  }
  const unit = el.unit.value === 'block' ? 'block' : 'session';
  let blockMinutes = null;
  if (unit === 'block') {
    blockMinutes = wholeNumber(el.block_minutes.value, 1, 1440);
    if (blockMinutes === null || Number.isNaN(blockMinutes)) {
      return problem('tariff.block_minutes', 'Indiquez la durée d\'une tranche, en minutes (de 1 à 1440).');
    }
  }
  const rows = readBracketRows();
  const prices = [];
  let previous = null;
  for (const [i, row] of rows.entries()) {
    const n = i + 1;
    const last = i === rows.length - 1;
    const qfText = row.max_qf.trim();
    let maxQf = null;
    if (last) {
      if (qfText !== '') {
        return problem(`tariff.prices[${i}].max_qf`, `Laissez vide le plafond de la dernière tranche (et au-delà), ou ajoutez une tranche.`);
      }
    } else {
      maxQf = wholeNumber(qfText, 0, 100000);
      if (maxQf === null || Number.isNaN(maxQf)) {
        return problem(`tariff.prices[${i}].max_qf`, `Indiquez le plafond de quotient familial de la tranche ${n} (nombre entier).`);
      }
      if (previous !== null && maxQf <= previous) {
        return problem(`tariff.prices[${i}].max_qf`, `Le plafond de la tranche ${n} doit être supérieur à celui de la tranche ${n - 1}.`);
      }
      previous = maxQf;
    }
    const price = parseEuros(row.price);
    if (price === null) return problem(`tariff.prices[${i}].price_cents`, `Indiquez le prix de la tranche ${n}.`);
    if (Number.isNaN(price)) return problem(`tariff.prices[${i}].price_cents`, `Prix invalide pour la tranche ${n} : ${EUROS_HINT}.`);
    if (price > MAX_PRICE_CENTS) return problem(`tariff.prices[${i}].price_cents`, `Le prix de la tranche ${n} doit être ${TOO_HIGH}.`);
    prices.push({ max_qf: maxQf, price_cents: price });
  }
  const lateFee = parseEuros(el.late_fee.value);
  if (Number.isNaN(lateFee)) return problem('tariff.late_fee_cents', `Pénalité de retard invalide : ${EUROS_HINT}.`);
  if (lateFee > MAX_PRICE_CENTS) return problem('tariff.late_fee_cents', `La pénalité de retard doit être ${TOO_HIGH}.`);
  const latePer = wholeNumber(el.late_per.value, 1, 1440);
  if (Number.isNaN(latePer)) {
    return problem('tariff.late_fee_per_minutes', 'Indiquez la tranche de retard en minutes (de 1 à 1440), ou laissez vide pour un forfait.');
  }
  let unbooked = null;
  if (el.unbooked_kind.value === 'percent') {
    const value = wholeNumber(el.unbooked_percent.value, 0, 100);
    if (value === null || Number.isNaN(value)) return problem('tariff.unbooked.value', 'Indiquez la majoration en % (nombre entier de 0 à 100).');
    unbooked = { kind: 'percent', value };
  } else if (el.unbooked_kind.value === 'fixed') {
    const value = parseEuros(el.unbooked_fixed.value);
    if (value === null || Number.isNaN(value)) return problem('tariff.unbooked.value', `Prix sans réservation invalide : ${EUROS_HINT}.`);
    if (value > MAX_PRICE_CENTS) return problem('tariff.unbooked.value', `Le prix sans réservation doit être ${TOO_HIGH}.`);
    unbooked = { kind: 'fixed', value };
  }
  const sibling = wholeNumber(el.sibling.value, 0, 100);
  if (Number.isNaN(sibling)) return problem('tariff.sibling_reduction_percent', 'Indiquez la réduction fratrie en % (nombre entier de 0 à 100).');
  return {
    tariff: {
      service: el.service.value,
      effective_from: effectiveFrom,
      prices,
      unit,
      block_minutes: blockMinutes,
      late_fee_cents: lateFee ?? 0,
      late_fee_per_minutes: latePer,
      unbooked,
      sibling_reduction_percent: sibling ?? 0,
    },
  };
}

async function saveTariff() {
  const form = ui.tariffForm;
  clearErrors(ui.tariffMessage, form);
  const read = readTariff();
  if (read.problem) {
    showMessage(ui.tariffMessage, read.problem.text);
    showFieldError(form, read.problem.field, read.problem.text);
    return;
  }
  setBusy(form, true);
  let saved;
  try {
    saved = await createTariff(read.tariff);
  } catch (error) {
    setBusy(form, false);
    reportError(error, ui.tariffMessage, form);
    return;
  }
  setBusy(form, false);
  const t = saved || read.tariff;
  resetTariffForm();
  showMessage(ui.tariffMessage, `Tarif enregistré : ${serviceLabel(t.service)} à partir du ${formatLongDate(t.effective_from)}.`, 'success');
  await loadTariffs();
}
