/**
 * informations.html — "Vos informations": the family updates its phones, address and
 * second e-mail address, and downloads the data the commune holds about it (RGPD).
 */
import { FAMILY_EXPORT_URL, updateFamily } from '../api.js';
import { familyIdentity } from '../templates.js';
import {
  $, render, setBusy, setDocumentTitle, show, showMessage,
} from '../view.js';
import { clearErrors, reportError } from './common.js';
import { startFamilyPage } from './family-common.js';

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
}

function draw(family) {
  render(ui.summary, familyIdentity(family));
  const el = ui.form.elements;
  el.phones.value = (family.phones || []).join('\n');
  el.address.value = family.address || '';
  el.second_email.value = (family.emails || [])[1] || '';
}

async function save(family) {
  clearErrors(ui.message, ui.form);
  const el = ui.form.elements;
  const details = {
    phones: el.phones.value.split(/\r?\n/).map((p) => p.trim()).filter(Boolean),
    address: el.address.value.trim(),
    second_email: el.second_email.value.trim() || null,
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
  draw({ ...family, ...(saved || {}) });
  showMessage(ui.message, 'Vos informations ont été enregistrées.', 'success');
}
