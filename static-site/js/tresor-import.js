/**
 * tresor-import.js — the "Paiements encaissés par le Trésor public" section of
 * facturation.html (titres mode): the file the Treasury gave is read in the browser, sent
 * as text, and the report says what became of each line. A line recorded before (the
 * same file twice, a payment typed on the family's page) is not recorded again.
 */
import { importTreasuryPayments } from './api.js';
import { treasuryImportReport } from './templates-staff.js';
import { $, render, setBusy, showMessage } from './view.js';
import { clearErrors, reportError } from './common.js';

const MAX_BYTES = 200000;

/** The file's text: UTF-8 if it is, else Windows-1252 (what French Excel writes). */
async function fileText(file) {
  const bytes = await file.arrayBuffer();
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}

export function startTreasuryImport() {
  const form = $('#treasury-import-form');
  const message = $('#treasury-import-message');
  const report = $('#treasury-import-report');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(message, form);
    render(report, '');
    const file = form.elements.file.files[0];
    if (!file) {
      showMessage(message, 'Choisissez le fichier CSV des paiements du Trésor public.');
      return;
    }
    if (file.size > MAX_BYTES) {
      showMessage(message, 'Fichier trop volumineux : découpez-le (1 000 lignes au plus).');
      return;
    }
    setBusy(form, true);
    let answer;
    try {
      answer = await importTreasuryPayments(await fileText(file));
    } catch (error) {
      setBusy(form, false);
      reportError(error, message, form);
      return;
    }
    setBusy(form, false);
    const summary = answer.summary || {};
    showMessage(message, `Import terminé : ${summary.recorded ?? 0} paiement(s) enregistré(s), ${summary.already_recorded ?? 0} déjà enregistré(s), ${summary.refused ?? 0} refusé(s).`,
      summary.refused ? 'info' : 'success');
    render(report, treasuryImportReport(answer));
  });
}
