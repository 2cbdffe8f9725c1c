/**
 * mandate-staff.js — « Mandat de prélèvement » on famille.html, for administrators: the
 * family's mandates (newest first, IBAN masked, PDF), « Suspendre » (a reason required),
 * « Reprendre », « Révoquer » (after a confirmation), and a paper mandate's entry (not for
 * an anonymised family: its mandates are kept, no new one is taken).
 */
import {
  enterPaperMandate, getStaffMandates, setMandateStatus, staffMandatePdfUrl,
} from './api.js';
import { staffMandates } from './templates-mandate.js';
import {
  $, confirmAction, focus, render, setBusy, show, showFieldError, showMessage,
} from './view.js';
import { clearErrors, reportError } from './common.js';

let ui = null;
let number = null;
let readOnly = false;

const DONE = {
  suspend: 'Mandat suspendu : aucun prélèvement tant qu\'il l\'est. La famille est prévenue par courriel.',
  resume: 'Mandat repris : les prochaines factures seront prélevées. La famille est prévenue par courriel.',
  revoke: 'Mandat révoqué. La famille est prévenue par courriel.',
};

function draw(answer) {
  render(ui.list, staffMandates(answer.mandates, (rum) => staffMandatePdfUrl(number, rum),
    answer.enabled));
  const last = answer.mandates[answer.mandates.length - 1];
  const standing = last && last.status !== 'revoked';
  show(ui.reasonField, answer.enabled && Boolean(standing));
  show(ui.paper, answer.enabled && !standing && !readOnly);
  show(ui.off, !answer.enabled);
}

async function load() {
  try {
    draw(await getStaffMandates(number));
  } catch (error) {
    reportError(error, ui.message);
  }
}

async function act(button) {
  const { action, rum } = button.dataset;
  const reason = ui.reason.value.trim();
  clearErrors(ui.message, ui.section);
  if (action === 'suspend' && !reason) {
    showFieldError(ui.section, 'reason', 'Indiquez le motif de la suspension.');
    return;
  }
  if (action === 'revoke' && !confirmAction(`Révoquer le mandat ${rum} ? Il ne pourra plus servir : la famille devra en signer un nouveau.`)) return;
  setBusy(button, true);
  try {
    await setMandateStatus(number, rum, action, reason);
    ui.reason.value = '';
    await load();
    showMessage(ui.message, DONE[action], 'success');
    focus(ui.message);
  } catch (error) {
    setBusy(button, false);
    reportError(error, ui.message);
    if (error.details && error.details.field) showFieldError(ui.section, error.details.field, error.message);
  }
}

async function enter() {
  clearErrors(ui.paperMessage, ui.paper);
  const f = ui.paper.elements;
  setBusy(ui.paper, true);
  try {
    const mandate = await enterPaperMandate(number, {
      holder: f.holder.value.trim(),
      iban: f.iban.value.trim(),
      bic: f.bic.value.trim() || null,
      signed_on: f.signed_on.value,
    });
    ui.paper.reset();
    await load();
    showMessage(ui.message, `Mandat papier ${mandate.rum} enregistré sur le compte ${mandate.iban_masked}.`, 'success');
  } catch (error) {
    reportError(error, ui.paperMessage, ui.paper);
  } finally {
    setBusy(ui.paper, false);
  }
}

/** Show the block and wire it, for the family numbered `familyNumber`; `anonymised`: the
 * family's mandates are only read. */
export async function startMandates(familyNumber, { anonymised = false } = {}) {
  number = familyNumber;
  readOnly = anonymised;
  ui = {
    section: $('#mandate-section'),
    list: $('#mandates'),
    off: $('#mandates-off'),
    reasonField: $('#mandate-reason-field'),
    reason: $('#mandate-reason'),
    message: $('#mandates-message'),
    paper: $('#paper-mandate-form'),
    paperMessage: $('#paper-mandate-message'),
  };
  show(ui.section, true);
  ui.list.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-action]');
    if (button) act(button);
  });
  ui.paper.addEventListener('submit', (event) => {
    event.preventDefault();
    enter();
  });
  await load();
}
