/**
 * mandate-family.js — « Prélèvement automatique » in « Vos informations ». When the commune
 * offers direct debit and the family has no standing mandate: the form (titulaire, IBAN,
 * BIC facultatif, the mandate's text, « J'accepte… », « Signer le mandat »). With one: its
 * reference, masked IBAN, state and date, « Télécharger le mandat (PDF) », « Changer de
 * compte » (the same form: the reference stays) and « Arrêter le prélèvement » (after a
 * confirmation).
 */
import {
  MANDATE_PDF_URL, getMandate, revokeMandate, signMandate,
} from './api.js';
import { mandateSummary, mandateText } from './templates-mandate.js';
import {
  $, confirmAction, focus, render, setBusy, show, showMessage,
} from './view.js';
import { clearErrors, reportError } from './common.js';

let ui = null;
let current = null;

function standing(mandate) {
  return Boolean(mandate) && mandate.status !== 'revoked';
}

function draw(answer, { changing = false } = {}) {
  current = answer;
  const { offer, mandate } = answer;
  const has = standing(mandate);
  show(ui.section, Boolean(offer.enabled) || has);
  show(ui.intro, !has);
  show(ui.current, has);
  if (has) render(ui.summary, mandateSummary(mandate));
  show(ui.actions, has && offer.enabled);
  show(ui.off, !offer.enabled);
  const formVisible = offer.enabled && (!has || changing);
  show(ui.form, formVisible);
  if (formVisible) {
    render(ui.text, mandateText(offer));
    ui.form.elements.accept.checked = false;
    ui.submit.textContent = has ? 'Signer le mandat sur ce compte' : 'Signer le mandat';
    ui.formTitle.textContent = has ? 'Changer de compte' : 'Signer le mandat de prélèvement';
  }
}

async function sign() {
  clearErrors(ui.message, ui.form);
  const f = ui.form.elements;
  const had = standing(current.mandate);
  setBusy(ui.form, true);
  let mandate;
  try {
    mandate = await signMandate({
      holder: f.holder.value.trim(),
      iban: f.iban.value.trim(),
      bic: f.bic.value.trim() || null,
      accept: f.accept.checked,
      text_version: current.offer.text_version,
    });
  } catch (error) {
    setBusy(ui.form, false);
    reportError(error, ui.message, ui.form);
    return;
  }
  setBusy(ui.form, false);
  ui.form.reset();
  draw({ ...current, mandate });
  showMessage(ui.message, had
    ? `Compte modifié : le mandat ${mandate.rum} porte désormais sur le compte ${mandate.iban_masked}.`
    : `Mandat signé : vos factures seront prélevées sur le compte ${mandate.iban_masked}. Un courriel vous le confirme.`,
  'success');
  focus(ui.message);
}

async function stop() {
  if (!confirmAction('Arrêter le prélèvement automatique ? Le mandat sera révoqué : vous paierez vos factures par un autre moyen, ou signerez un nouveau mandat.')) return;
  clearErrors(ui.message, ui.form);
  setBusy(ui.stop, true);
  try {
    const mandate = await revokeMandate();
    draw({ ...current, mandate });
    showMessage(ui.message, 'Le prélèvement automatique est arrêté : le mandat est révoqué.', 'success');
  } catch (error) {
    reportError(error, ui.message);
  } finally {
    setBusy(ui.stop, false);
  }
}

/** Read the offer and the mandate and draw the section (hidden when nothing applies). */
export async function startMandate() {
  ui = {
    section: $('#mandate-section'),
    intro: $('#mandate-intro'),
    off: $('#mandate-off'),
    current: $('#mandate-current'),
    summary: $('#mandate-summary'),
    actions: $('#mandate-actions'),
    pdf: $('#mandate-pdf'),
    change: $('#mandate-change'),
    stop: $('#mandate-stop'),
    form: $('#mandate-form'),
    formTitle: $('#mandate-form-title'),
    text: $('#mandate-text'),
    submit: $('#mandate-submit'),
    message: $('#mandate-message'),
  };
  ui.pdf.href = MANDATE_PDF_URL;
  let answer;
  try {
    answer = await getMandate();
  } catch (error) {
    reportError(error, ui.message);
    return;
  }
  draw(answer);
  ui.form.addEventListener('submit', (event) => {
    event.preventDefault();
    sign();
  });
  ui.change.addEventListener('click', () => {
    draw(current, { changing: true });
    focus(ui.form.elements.holder);
  });
  ui.stop.addEventListener('click', stop);
}
