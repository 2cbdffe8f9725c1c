/**
 * informations.html — "Vos informations": the family updates its phones, address and
 * second e-mail address, signs or changes its direct-debit mandate (mandate-family.js), and
 * downloads the data the commune holds about it (RGPD).
 */
import { FAMILY_EXPORT_URL, updateFamily } from '../api.js';
import { familyIdentity } from '../templates.js';
import {
  $, render, setBusy, setDocumentTitle, show, showMessage,
} from '../view.js';
import { clearErrors, reportError } from '../common.js';
import { startFamilyPage } from '../family-common.js';
import { startMandate } from '../mandate-family.js';

let ui = null;

export async function start() {
  ui = {
    pageMessage: $('#page-message'),
    content: $('#content'),
    summary: $('#family-summary'),
    form: $('#info-form'),
    message: $('#info-message'),
  };
  const family = await startFamilyPage(ui.pageMessage);
  if (!family) return;
  setDocumentTitle('Vos informations');
  $('#export-link').href = FAMILY_EXPORT_URL;
  draw(family);
  show(ui.content, true);
  ui.form.addEventListener('submit', (event) => {
    event.preventDefault();
    save(family);
  });
  await startMandate();
}

function draw(family) {
  render(ui.summary, familyIdentity(family));
  const el = ui.form.elements;
  el.phones.value = (family.phones || []).join('\n');
  el.address.value = family.address || '';
  el.second_email.value = (family.emails || [])[1] || family.pending_email || '';
  el.reminders.checked = family.reminders !== false;
  el.receipts.checked = Boolean(family.receipts);
  const pending = $('#info-email2-pending');
  if (family.pending_email) {
    pending.textContent = `L'adresse ${family.pending_email} sera ajoutée quand son `
      + 'titulaire aura ouvert le lien de confirmation envoyé à cette adresse (valable 24 heures).';
  }
  show(pending, Boolean(family.pending_email));
}

async function save(family) {
  clearErrors(ui.message, ui.form);
  const el = ui.form.elements;
  const details = {
    phones: el.phones.value.split(/\r?\n/).map((p) => p.trim()).filter(Boolean),
    address: el.address.value.trim(),
    second_email: el.second_email.value.trim() || null,
    reminders: el.reminders.checked,
    receipts: el.receipts.checked,
  };
  setBusy(ui.form, true);
  let saved;
  try {
    saved = await updateFamily(details);
  } catch (error) {
    setBusy(ui.form, false);
    reportError(error, ui.message, ui.form);
    return;
  }
  setBusy(ui.form, false);
  // The answer may omit what did not change (children, today): keep what we had.
  // The server keeps addresses in lower case.
  const typed = (details.second_email || '').toLowerCase();
  const asked = typed && !(family.emails || []).includes(typed)
    && saved && saved.pending_email === typed && family.pending_email !== typed;
  Object.assign(family, saved || {});
  draw(family);
  showMessage(ui.message, asked
    ? `Vos informations ont été enregistrées. Un lien de confirmation a été envoyé à ${typed} : l'adresse sera ajoutée quand il aura été ouvert.`
    : 'Vos informations ont été enregistrées.', 'success');
}
