/**
 * sick.js — the « Enfant malade » page (malade.html): a parent reports a booked day
 * sick (after the change deadline, until the commune's cut-off) and hands in the medical
 * certificate from the phone (PDF or photo, sent as base64 JSON: the API takes JSON only).
 */
import { certificateUrl, getSickDays, reportSick, uploadCertificate } from './api.js';
import { sickChildren } from './templates-sick.js';
import { $, clearMessage, render, setBusy, show, showMessage } from './view.js';
import { reportError } from './common.js';

// As the API: Lambda takes 6 MB at most, the file travels as base64.
const MAX_BYTES = 4 * 1024 * 1024;

/** The file's bytes as base64 (without the data: prefix). */
function base64Of(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).split(',', 2)[1] || '');
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

export async function startSickSection(children, today) {
  const section = $('#sick-section');
  const area = $('#sick');
  const message = $('#sick-message');
  let answer;
  try {
    answer = await getSickDays();
  } catch (error) {
    reportError(error, message);
    show(section, true);
    return true;
  }
  const rule = answer.sickness || {};
  if (!rule.enabled) return false;
  area.removeAttribute('aria-busy');
  $('#sick-rule').textContent = `Après la date limite de modification, signalez ici un jour réservé où votre enfant est malade, jusqu'à ${rule.cutoff} le jour même. Règle de la commune : ${rule.billing_label}.`;
  show(section, true);
  let reports = answer.reports || [];
  const draw = () => render(area, sickChildren(children, reports, today, certificateUrl));
  draw();

  area.addEventListener('submit', async (event) => {
    const form = event.target;
    event.preventDefault();
    clearMessage(message);
    setBusy(form, true);
    try {
      if (form.classList.contains('sick-form')) {
        const report = await reportSick(form.dataset.child, form.elements.date.value);
        reports = [...reports.filter((r) => !(r.child_id === report.child_id && r.date === report.date)), report];
        draw();
        showMessage(message, 'Absence pour maladie enregistrée : le jour est marqué « malade ».', 'success');
      } else if (form.classList.contains('certificate-form')) {
        const file = form.elements.file.files[0];
        if (!file || file.size > MAX_BYTES) {
          setBusy(form, false);
          showMessage(message, file ? 'Le fichier dépasse 4 Mo : prenez une photo moins lourde ou un PDF.'
            : 'Choisissez le certificat (PDF ou photo).');
          return;
        }
        const report = await uploadCertificate(form.dataset.child, form.dataset.date,
          await base64Of(file), file.type || '');
        reports = reports.map((r) => (r.child_id === report.child_id && r.date === report.date ? report : r));
        draw();
        showMessage(message, 'Certificat déposé : la mairie va le vérifier.', 'success');
      }
    } catch (error) {
      setBusy(form, false);
      reportError(error, message, form);
    }
  });
  return true;
}
