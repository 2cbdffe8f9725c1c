/**
 * famille-compte.js — the "Compte" section of famille.html, for administrators: the
 * family's balance and "Relevé de compte" (5 latest lines, "Afficher tout"), its invoices
 * with their state, what remains to pay, their PDF and "Émettre un avoir" (credit note
 * cancelling an invoice, after confirmation, with an optional "Motif"), and the form
 * "Enregistrer un paiement" received at the town hall, "Affecter à" the oldest invoices
 * or one the secretary chooses.
 *
 * Each submission of the payment form carries a key (Idempotency-Key) kept until the
 * payment is recorded: a double click or a retry after a network failure records it once.
 *
 * Titres mode: "Paiement encaissé par le Trésor public", shown while a titre of the family
 * awaits money, enters what the Treasury collected (once per titre, date and amount).
 */
import {
  createCreditNote, getStaffInvoices, getStaffStatement, recordPayment, recordTreasuryPayment,
  staffInvoicePdfUrl,
} from './api.js';
import { formatDotDate, formatMoney, isIsoDate } from './format.js';
import { parseEuros } from './money.js';
import { escapeHtml, statementTable } from './templates.js';
import {
  allocationOptions, paymentMethodLabel, staffInvoicesTable, titreOptions,
} from './templates-staff.js';
import {
  $, confirmAction, focus, render, setBusy, show, showFieldError, showMessage, statementView,
} from './view.js';
import { clearErrors, reportError } from './common.js';

/** The server's bound for one payment (10 000 €): beyond, a typing slip is likely. */
const MAX_PAYMENT_CENTS = 1000000;

let ui = null;
let number = null;
let statement = null;
let paymentKey = null;

/** A fresh key for one payment submission (random, 128 bits, hex). */
function newPaymentKey() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return `pay-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

function staffBalanceHtml(cents) {
  return `Solde à ce jour : <span class="money">${escapeHtml(formatMoney(cents))}</span>`;
}

function staffBalanceMeaning(cents) {
  const value = Number(cents) || 0;
  if (value > 0) return 'Montant restant dû par la famille.';
  if (value < 0) return 'Montant en faveur de la famille.';
  return 'Le compte est à jour.';
}

/**
 * Show and wire the section for family `familyNumber`; resolves once the statement and
 * the invoices are drawn (false when the page navigated away).
 */
export async function startAccount(familyNumber, today) {
  number = familyNumber;
  ui = {
    section: $('#billing-section'),
    invoices: $('#staff-invoices'),
    invoicesMessage: $('#staff-invoices-message'),
    reason: $('#credit-reason'),
    form: $('#payment-form'),
    formMessage: $('#payment-message'),
    treasury: $('#treasury-block'),
    treasuryForm: $('#treasury-form'),
    treasuryMessage: $('#treasury-message'),
  };
  statement = statementView({
    balance: $('#staff-balance'),
    meaning: $('#staff-balance-meaning'),
    table: $('#staff-statement'),
    footer: $('#staff-statement-footer'),
    sentence: $('#staff-statement-sentence'),
    button: $('#staff-statement-all'),
    message: $('#staff-statement-message'),
  }, {
    load: (limit) => getStaffStatement(number, limit),
    tableHtml: statementTable,
    report: reportError,
    balanceHtml: staffBalanceHtml,
    meaningText: staffBalanceMeaning,
    caption: 'Relevé de compte de la famille',
  });
  const el = ui.form.elements;
  el.date.value = today;
  el.date.max = today;
  paymentKey = newPaymentKey();
  show(ui.section, true);
  ui.form.addEventListener('submit', (event) => {
    event.preventDefault();
    savePayment(today);
  });
  const tf = ui.treasuryForm.elements;
  tf.date.value = today;
  tf.date.max = today;
  ui.treasuryForm.addEventListener('submit', (event) => {
    event.preventDefault();
    saveTreasuryPayment(today);
  });
  ui.invoices.addEventListener('click', (event) => {
    const button = event.target instanceof Element ? event.target.closest('button.credit-note') : null;
    if (button) issueCreditNote(button);
  });
  const [shown, listed] = await Promise.all([statement.refresh(), loadInvoices()]);
  return shown && listed;
}

/** Draw the family's invoices; false when the page navigated away. */
async function loadInvoices() {
  ui.invoices.setAttribute('aria-busy', 'true');
  try {
    const answer = await getStaffInvoices(number);
    const invoices = Array.isArray(answer && answer.invoices) ? answer.invoices : [];
    render(ui.invoices, staffInvoicesTable(invoices, (id) => staffInvoicePdfUrl(number, id)));
    const target = ui.form.elements.invoice;
    render(target, allocationOptions(invoices, target.value));
    const titre = ui.treasuryForm.elements.invoice;
    const titres = titreOptions(invoices, titre.value);
    render(titre, titres);
    // Shown while a titre awaits money; kept once used, for its success message.
    show(ui.treasury, Boolean(titres) || !ui.treasuryMessage.hidden);
    return true;
  } catch (error) {
    if (reportError(error, ui.invoicesMessage)) return false;
    if (!ui.invoices.querySelector('table')) render(ui.invoices, '');
    return true;
  } finally {
    ui.invoices.removeAttribute('aria-busy');
  }
}

async function refreshAccount() {
  await Promise.all([statement.refresh(), loadInvoices()]);
}

async function issueCreditNote(button) {
  clearErrors(ui.invoicesMessage);
  const invoiceNumber = button.dataset.number;
  const reason = ui.reason.value.trim();
  const amount = formatMoney(Number(button.dataset.total) || 0);
  const question = `Émettre un avoir de ${amount} annulant la facture ${invoiceNumber} ?`
    + (reason ? `\nMotif : ${reason}` : '\nAucun motif indiqué.')
    + '\nLa facture sera annulée définitivement.';
  if (!confirmAction(question)) return;
  setBusy(button, true);
  let note;
  try {
    note = await createCreditNote(number, button.dataset.invoiceId, reason);
  } catch (error) {
    setBusy(button, false);
    if (reportError(error, ui.invoicesMessage)) return;
    // Already cancelled (409): show the invoices as they are now.
    if (error.status === 409) await loadInvoices();
    return;
  }
  ui.reason.value = '';
  await refreshAccount();
  const name = note && note.number ? `Avoir ${note.number}` : 'Avoir';
  const credited = note && note.credit_cents !== undefined ? ` : ${formatMoney(note.credit_cents)} crédités sur le compte` : '';
  showMessage(ui.invoicesMessage, `${name} émis pour la facture ${invoiceNumber}${credited}.`, 'success');
  focus($('#staff-invoices-title'));
}

async function savePayment(today) {
  const form = ui.form;
  clearErrors(ui.formMessage, form);
  const el = form.elements;
  const fail = (field, text) => {
    showMessage(ui.formMessage, text);
    showFieldError(form, field, text);
  };
  const amount = parseEuros(el.amount.value);
  if (amount === null) {
    fail('amount_cents', 'Indiquez le montant reçu.');
    return;
  }
  if (Number.isNaN(amount) || amount <= 0) {
    fail('amount_cents', 'Montant invalide : indiquez un montant en euros, par exemple 45,50.');
    return;
  }
  if (amount > MAX_PAYMENT_CENTS) {
    fail('amount_cents', `Le montant d'un paiement est limité à ${formatMoney(MAX_PAYMENT_CENTS)}.`);
    return;
  }
  const date = el.date.value;
  if (!isIsoDate(date)) {
    fail('date', 'Indiquez la date du paiement.');
    return;
  }
  if (date > today) {
    fail('date', 'La date du paiement ne peut pas être dans le futur.');
    return;
  }
  const payment = {
    amount_cents: amount,
    method: el.method.value,
    reference: el.reference.value.trim(),
    date,
    invoice: el.invoice.value,
  };
  setBusy(form, true);
  let saved;
  try {
    // The same key until it is recorded: a retry after a lost answer is not a second payment.
    saved = await recordPayment(number, payment, paymentKey);
  } catch (error) {
    setBusy(form, false);
    reportError(error, ui.formMessage, form);
    return;
  }
  paymentKey = newPaymentKey();
  setBusy(form, false);
  el.amount.value = '';
  el.reference.value = '';
  const what = (saved && saved.reference) || [paymentMethodLabel(payment.method), payment.reference].filter(Boolean).join(' ');
  const where = saved && saved.invoice ? `, affecté à la facture ${saved.invoice}` : '';
  showMessage(ui.formMessage, `Paiement de ${formatMoney(payment.amount_cents)} du ${formatDotDate(payment.date)} enregistré (${what}${where}).`, 'success');
  el.invoice.value = '';
  await refreshAccount();
  el.amount.focus();
}

async function saveTreasuryPayment(today) {
  const form = ui.treasuryForm;
  clearErrors(ui.treasuryMessage, form);
  const el = form.elements;
  const fail = (field, text) => {
    showMessage(ui.treasuryMessage, text);
    showFieldError(form, field, text);
  };
  if (!el.invoice.value) {
    fail('invoice', 'Aucun titre n\'attend de paiement.');
    return;
  }
  const amount = parseEuros(el.amount.value);
  if (amount === null || Number.isNaN(amount) || amount <= 0) {
    fail('amount_cents', 'Indiquez le montant encaissé en euros, par exemple 45,50.');
    return;
  }
  const date = el.date.value;
  if (!isIsoDate(date) || date > today) {
    fail('date', 'Indiquez la date d\'encaissement (pas dans le futur).');
    return;
  }
  const payment = {
    invoice: el.invoice.value, amount_cents: amount, date, reference: el.reference.value.trim(),
  };
  setBusy(form, true);
  let saved;
  try {
    saved = await recordTreasuryPayment(number, payment);
  } catch (error) {
    setBusy(form, false);
    reportError(error, ui.treasuryMessage, form);
    return;
  }
  setBusy(form, false);
  el.amount.value = '';
  el.reference.value = '';
  showMessage(ui.treasuryMessage, `Paiement au Trésor public de ${formatMoney(saved.credit_cents)} du ${formatDotDate(saved.date)} enregistré (titre ${saved.invoice}).`, 'success');
  await refreshAccount();
  el.amount.focus();
}
