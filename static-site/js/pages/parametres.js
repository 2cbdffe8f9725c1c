/**
 * parametres.html — the commune's settings (administrators): name, school-holiday zone,
 * school days, and per service its label, mode, booking (and cancellation) deadline,
 * closing time and price; how the commune collects (its régie, or titres de recette that
 * the Treasury collects, with the accountant's identifiers); then the closures.
 *
 * Saving sends everything with the `version` read, so two administrators cannot overwrite
 * each other (409: reload). Prices are typed in euros ("3,50") and sent in cents (350).
 */
import {
  ApiError, addClosure, deleteClosure, getSettings, updateSettings,
} from '../api.js';
import { isIsoDate, plural } from '../format.js';
import { parseEuros } from '../money.js';
import { escapeHtml } from '../templates.js';
import { closuresTable, ruleFieldset, serviceFieldset } from '../templates-staff.js';
import {
  $, $$, focus, render, setBusy, show, showFieldError, showMessage,
} from '../view.js';
import { clearErrors, reportError } from '../common.js';
import { startStaffPage } from '../staff-common.js';

const CONFLICT = 'Les paramètres ont été modifiés entre-temps par une autre personne. '
  + 'Ils viennent d\'être rechargés : vérifiez-les puis enregistrez de nouveau.';

const state = {
  version: null,
  // The settings as last read from the server (without closures), to tell whether a
  // closure change was the only change since (then the new version is ours to take).
  core: null,
  closures: [],
};
let ui = null;

export async function start() {
  const me = await startStaffPage('parametres', 'Paramètres');
  if (!me) return;
  ui = {
    pageMessage: $('#page-message'),
    content: $('#content'),
    form: $('#settings-form'),
    services: $('#services'),
    message: $('#settings-message'),
    closures: $('#closures'),
    closuresMessage: $('#closures-message'),
    closureForm: $('#closure-form'),
    closureMessage: $('#closure-message'),
  };
  let settings;
  try {
    settings = await getSettings();
  } catch (error) {
    reportError(error, ui.pageMessage);
    return;
  }
  fillForm(settings);
  drawClosures(settings.closures || []);
  show(ui.content, true);
  wireEvents();
}

function coreOf(settings) {
  return JSON.stringify({
    name: settings.name,
    zone: settings.zone,
    school_days: settings.school_days,
    services: settings.services,
    billing_auto_confirm: settings.billing_auto_confirm,
    collection: settings.collection,
  });
}

// --- Collection: régie or titres de recette --------------------------------------------------

const TITRES_TEXT_FIELDS = ['siret', 'collectivity_code', 'budget_code', 'accounting_office',
  'label', 'object_template'];

/** One row of imputation fields (nature, fonction, code produit) per active service. */
function imputationsHtml(services, imputations) {
  const active = (services || []).filter((s) => s.mode !== 'off');
  if (!active.length) return '';
  const rows = active.map((s) => {
    const i = imputations[s.code] || {};
    const id = `imputation-${escapeHtml(s.code)}`;
    const where = `collection.titres.imputations.${escapeHtml(s.code)}`;
    return `<fieldset class="imputation" data-code="${escapeHtml(s.code)}" data-field="${where}">
  <legend>Imputation : ${escapeHtml(s.label || s.code)}</legend>
  <div class="field"><label for="${id}-nature">Nature (compte)</label>
    <input id="${id}-nature" class="imputation-nature" data-field="${where}.nature" value="${escapeHtml(i.nature || '')}" autocomplete="off"></div>
  <div class="field"><label for="${id}-function">Fonction</label>
    <input id="${id}-function" class="imputation-function" data-field="${where}.function" value="${escapeHtml(i.function || '')}" autocomplete="off"></div>
  <div class="field"><label for="${id}-product">Code produit</label>
    <input id="${id}-product" class="imputation-product" data-field="${where}.product_code" value="${escapeHtml(i.product_code || '')}" autocomplete="off"></div>
</fieldset>`;
  });
  return rows.join('');
}

function fillCollection(collection, services) {
  const mode = collection && collection.mode === 'titres' ? 'titres' : 'regie';
  const titres = (collection && collection.titres) || {};
  const el = ui.form.elements;
  el.collection_mode.value = mode;
  for (const name of TITRES_TEXT_FIELDS) el[`titres_${name}`].value = titres[name] || '';
  el.titres_next_roll_number.value = titres.next_roll_number || 1;
  state.rollExercice = titres.roll_exercice ?? null;
  render($('#titres-imputations'), imputationsHtml(services, titres.imputations || {}));
  showTitres();
}

function showTitres() {
  show($('#titres-fields'), ui.form.elements.collection_mode.value === 'titres');
}

/** The collection as the API takes it; the titres block is kept in régie mode when filled. */
function readCollection() {
  const el = ui.form.elements;
  const mode = el.collection_mode.value === 'titres' ? 'titres' : 'regie';
  const titres = {};
  for (const name of TITRES_TEXT_FIELDS) titres[name] = el[`titres_${name}`].value.trim();
  const filled = TITRES_TEXT_FIELDS.some((name) => titres[name]);
  if (mode === 'regie' && !filled) return { mode, titres: null };
  titres.next_roll_number = Number(el.titres_next_roll_number.value) || 1;
  titres.roll_exercice = state.rollExercice ?? null;
  titres.imputations = {};
  for (const box of $$('fieldset.imputation', ui.form)) {
    const nature = box.querySelector('.imputation-nature').value.trim();
    if (!nature) continue;
    titres.imputations[box.dataset.code] = {
      nature,
      function: box.querySelector('.imputation-function').value.trim() || null,
      product_code: box.querySelector('.imputation-product').value.trim() || null,
    };
  }
  return { mode, titres };
}

/** "3 réservations annulées, 2 familles prévenues par courriel" ('' when nothing). */
/** More places: « 2 places données aux premiers de la liste d'attente (familles prévenues). » */
function promotedText(promoted) {
  const count = Number(promoted) || 0;
  if (!count) return '';
  return count === 1
    ? ' 1 place donnée au premier de la liste d\'attente (famille prévenue par courriel).'
    : ` ${count} places données aux premiers des listes d'attente (familles prévenues par courriel).`;
}

function releasedText(released) {
  const count = Number(released && released.released) || 0;
  if (!count) return '';
  const families = Number(released.families) || 0;
  let text = ` ${plural(count, 'réservation annulée', 'réservations annulées')}, ${plural(families, 'famille prévenue', 'familles prévenues')} par courriel.`;
  const months = Array.isArray(released.invoiced_months_labels) ? released.invoiced_months_labels : [];
  if (months.length) {
    text += ` Attention : ${months.join(', ')} ${months.length > 1 ? 'sont' : 'est'} déjà facturé${months.length > 1 ? 's' : ''} ; pour corriger, émettez un avoir puis recalculez la pré-facturation.`;
  }
  return text;
}

// --- Settings form ---------------------------------------------------------------------------

function fillForm(settings) {
  state.version = settings.version;
  state.core = coreOf(settings);
  const el = ui.form.elements;
  el.name.value = settings.name || '';
  el.zone.value = settings.zone || 'A';
  const days = new Set((settings.school_days || []).map(Number));
  for (const box of $$('input[name="school_day"]', ui.form)) box.checked = days.has(Number(box.value));
  el.billing_auto_confirm.checked = Boolean(settings.billing_auto_confirm);
  const reminders = settings.reminders || { enabled: true, hours_before: 24 };
  el.reminders_enabled.checked = Boolean(reminders.enabled);
  el.reminders_hours_before.value = String(reminders.hours_before);
  const sickness = settings.sickness || {
    enabled: true, cutoff: '08:30', billing: 'certificate', certificate_days: 2,
  };
  el.sickness_enabled.checked = Boolean(sickness.enabled);
  el.sickness_cutoff.value = sickness.cutoff;
  el.sickness_billing.value = sickness.billing;
  el.sickness_certificate_days.value = String(sickness.certificate_days);
  const debit = settings.direct_debit || {
    enabled: false, creditor_name: '', creditor_id: '', creditor_iban: '', creditor_bic: '',
    debit_day: 10, notice_days: 14, max_rejects: 2, schema: 'pain.008.001.08',
  };
  el.dd_enabled.checked = Boolean(debit.enabled);
  el.dd_creditor_name.value = debit.creditor_name || '';
  el.dd_creditor_id.value = debit.creditor_id || '';
  el.dd_creditor_iban.value = debit.creditor_iban || '';
  el.dd_creditor_bic.value = debit.creditor_bic || '';
  el.dd_debit_day.value = String(debit.debit_day);
  el.dd_notice_days.value = String(debit.notice_days);
  el.dd_max_rejects.value = String(debit.max_rejects);
  el.dd_schema.value = debit.schema;
  render(ui.services, (settings.services || []).map((s, i) => serviceFieldset(s, i)).join(''));
  fillCollection(settings.collection, settings.services);
  fillLegal(settings);
}

/** The accessibility statement's and the personal-data notice's fields. */
function fillLegal(settings) {
  const el = ui.form.elements;
  const a = settings.accessibility || {};
  el.a11y_status.value = a.status || 'non';
  el.a11y_audit_date.value = a.audit_date || '';
  el.a11y_method.value = a.method || 'auto-evaluation';
  el.a11y_rate.value = a.rate == null ? '' : String(a.rate);
  el.a11y_contact.value = a.contact || '';
  el.a11y_non_compliant.value = a.non_compliant || '';
  el.a11y_derogations.value = a.derogations || '';
  el.a11y_plan.value = (a.plan || []).map((y) => `${y.year} : ${y.actions}`).join('\n');
  const p = settings.privacy || {};
  el.privacy_controller.value = p.controller || '';
  el.privacy_address.value = p.address || '';
  el.privacy_dpo_contact.value = p.dpo_contact || '';
  el.privacy_retention_months.value = String(p.retention_months || 12);
}

/** « 2027 : audit externe » lines → [{year, actions}]; a line without its year is sent
 * as typed (year null), so the API names the line at fault in French. */
function readPlan(text) {
  return text.split('\n').map((line) => line.trim()).filter(Boolean).map((line) => {
    const found = /^(\d{4})\s*[:\-–]\s*(.*)$/.exec(line);
    return found ? { year: Number(found[1]), actions: found[2] } : { year: null, actions: line };
  });
}

function readLegal() {
  const el = ui.form.elements;
  const rate = el.a11y_rate.value.trim();
  return {
    accessibility: {
      status: el.a11y_status.value,
      audit_date: el.a11y_audit_date.value || null,
      method: el.a11y_method.value,
      rate: rate === '' ? null : wholeNumber(rate),
      contact: el.a11y_contact.value.trim(),
      non_compliant: el.a11y_non_compliant.value,
      derogations: el.a11y_derogations.value,
      plan: readPlan(el.a11y_plan.value),
    },
    privacy: {
      controller: el.privacy_controller.value.trim(),
      address: el.privacy_address.value,
      dpo_contact: el.privacy_dpo_contact.value.trim(),
      retention_months: wholeNumber(el.privacy_retention_months.value),
    },
  };
}

function readRule(box) {
  const type = box.querySelector('.rule-type').value;
  const time = box.querySelector('.rule-time').value;
  if (type === 'weekly') {
    return { type, weekday: Number(box.querySelector('.rule-weekday').value), time };
  }
  const daysText = box.querySelector('.rule-days').value.trim();
  return { type, days: daysText === '' ? null : Number(daysText), time };
}

/** The settings the form describes, or {problem: {field, text}} for a price typed wrong. */
function readForm() {
  const el = ui.form.elements;
  const services = [];
  for (const [i, box] of $$('fieldset.service-box', ui.services).entries()) {
    const mode = box.querySelector('.service-mode').value;
    let deadline = null;
    if (mode === 'booked') {
      const hasCancel = box.querySelector('.has-cancellation').checked;
      deadline = {
        booking: readRule(box.querySelector('[data-rule="booking"]')),
        cancellation: hasCancel ? readRule(box.querySelector('[data-rule="cancellation"]')) : null,
      };
    }
    const priceInput = box.querySelector(`[data-field~="services[${i}].price_cents"]`);
    const price = parseEuros(priceInput.value);
    if (Number.isNaN(price)) {
      return { problem: { field: `services[${i}].price_cents`, text: 'Prix invalide : indiquez un montant en euros, par exemple 3,50.' } };
    }
    const closing = box.querySelector(`[data-field~="services[${i}].closing_time"]`).value;
    const placesText = box.querySelector(`[data-field~="services[${i}].places"]`).value.trim();
    const places = placesText === '' ? null : Number(placesText);
    if (places !== null && (!Number.isInteger(places) || places < 1)) {
      return { problem: { field: `services[${i}].places`, text: 'Nombre de places invalide : un nombre entier, ou vide pour ne pas limiter.' } };
    }
    const durationText = box.querySelector(`[data-field~="services[${i}].duration_minutes"]`).value.trim();
    const duration = durationText === '' ? null : Number(durationText);
    if (duration !== null && (!Number.isInteger(duration) || duration < 0 || duration > 720)) {
      return { problem: { field: `services[${i}].duration_minutes`, text: 'Durée invalide : un nombre entier de minutes (0 à 720), ou vide pour la durée par défaut.' } };
    }
    services.push({
      code: box.dataset.code,
      label: box.querySelector('.service-label').value.trim(),
      mode,
      deadline,
      closing_time: closing || null,
      price_cents: price,
      // Only a booked service has places (the API refuses them on the others).
      places: mode === 'booked' ? places : null,
      duration_minutes: duration,
    });
  }
  return {
    settings: {
      name: el.name.value.trim(),
      zone: el.zone.value,
      school_days: $$('input[name="school_day"]:checked', ui.form).map((b) => Number(b.value)),
      services,
      billing_auto_confirm: el.billing_auto_confirm.checked,
      collection: readCollection(),
      reminders: {
        enabled: el.reminders_enabled.checked,
        // Sent as typed: the API answers a wrong value in French, on this field.
        hours_before: /^\d+$/.test(el.reminders_hours_before.value.trim())
          ? Number(el.reminders_hours_before.value.trim()) : el.reminders_hours_before.value,
      },
      sickness: {
        enabled: el.sickness_enabled.checked,
        cutoff: el.sickness_cutoff.value,
        billing: el.sickness_billing.value,
        certificate_days: /^\d+$/.test(el.sickness_certificate_days.value.trim())
          ? Number(el.sickness_certificate_days.value.trim()) : el.sickness_certificate_days.value,
      },
      direct_debit: {
        enabled: el.dd_enabled.checked,
        creditor_name: el.dd_creditor_name.value.trim(),
        creditor_id: el.dd_creditor_id.value.trim(),
        creditor_iban: el.dd_creditor_iban.value.trim(),
        creditor_bic: el.dd_creditor_bic.value.trim(),
        debit_day: wholeNumber(el.dd_debit_day.value),
        notice_days: wholeNumber(el.dd_notice_days.value),
        max_rejects: wholeNumber(el.dd_max_rejects.value),
        schema: el.dd_schema.value,
      },
      ...readLegal(),
      version: state.version,
    },
  };
}

/** A number typed in a field: sent as a number when it is one, else as typed (the API
 * answers a wrong value in French, on its field). */
function wholeNumber(text) {
  const trimmed = String(text).trim();
  return /^\d+$/.test(trimmed) ? Number(trimmed) : trimmed;
}

async function save() {
  clearErrors(ui.message, ui.form);
  const read = readForm();
  if (read.problem) {
    showMessage(ui.message, read.problem.text);
    showFieldError(ui.form, read.problem.field, read.problem.text);
    return;
  }
  setBusy(ui.form, true);
  let saved;
  try {
    saved = await updateSettings(read.settings);
  } catch (error) {
    setBusy(ui.form, false);
    if (error instanceof ApiError && error.status === 409) {
      await reload();
      showMessage(ui.message, CONFLICT);
      return;
    }
    reportError(error, ui.message, ui.form);
    return;
  }
  setBusy(ui.form, false);
  fillForm(saved);
  if (saved.closures) drawClosures(saved.closures);
  showMessage(ui.message, `Paramètres enregistrés.${releasedText(saved.released)}${promotedText(saved.promoted)}`, 'success');
}

/** Read the settings again (after a conflict): the form shows the server's values. */
async function reload() {
  try {
    const settings = await getSettings();
    fillForm(settings);
    drawClosures(settings.closures || []);
  } catch (error) {
    reportError(error, ui.message);
  }
}

/** Show or hide the parts of a service that depend on its mode, rule type or checkbox. */
function onServiceChange(event) {
  const target = event.target;
  if (!(target instanceof HTMLElement)) return;
  const box = target.closest('fieldset.service-box');
  if (!box) return;
  if (target.classList.contains('service-mode')) {
    show(box.querySelector('.deadline-block'), target.value === 'booked');
  } else if (target.classList.contains('rule-type')) {
    const rule = target.closest('fieldset.rule');
    for (const block of $$('[data-kind]', rule)) show(block, block.dataset.kind === target.value);
  } else if (target.classList.contains('has-cancellation')) {
    // The cancellation rule exists only while asked for, starting as a copy of the booking rule.
    const existing = box.querySelector('[data-rule="cancellation"]');
    if (existing) existing.remove();
    if (target.checked) {
      const booking = readRule(box.querySelector('[data-rule="booking"]'));
      target.closest('.field-check').insertAdjacentHTML('afterend', ruleFieldset(Number(target.dataset.index), 'cancellation', booking));
    }
  }
}

function onServiceInput(event) {
  const target = event.target;
  if (!(target instanceof HTMLInputElement) || !target.classList.contains('service-label')) return;
  const legend = target.closest('fieldset.service-box').querySelector('.service-legend');
  legend.textContent = target.value.trim() || '(sans libellé)';
}

// --- Closures ------------------------------------------------------------------------------

function drawClosures(closures) {
  state.closures = [...closures].sort((a, b) => String(a.start).localeCompare(String(b.start)));
  render(ui.closures, closuresTable(state.closures));
}

/**
 * A closure change bumps the settings' version. Take the new version only when nothing
 * else changed on the server since the form was read; otherwise keep the old one so that
 * saving the form still reports the conflict.
 */
async function refreshAfterClosureChange() {
  try {
    const fresh = await getSettings();
    drawClosures(fresh.closures || []);
    if (coreOf(fresh) === state.core) state.version = fresh.version;
  } catch (error) {
    // The list shown is still right for what this page did; a save will tell the rest.
  }
}

async function createClosure() {
  const form = ui.closureForm;
  clearErrors(ui.closureMessage, form);
  const el = form.elements;
  const closure = { start: el.start.value, end: el.end.value, label: el.label.value.trim() };
  if (!isIsoDate(closure.start) || !isIsoDate(closure.end) || !closure.label) {
    showMessage(ui.closureMessage, 'Indiquez les dates « Du » et « Au » et le motif de la fermeture.');
    return;
  }
  if (closure.end < closure.start) {
    const text = 'La date « Au » doit suivre la date « Du ».';
    showMessage(ui.closureMessage, text);
    showFieldError(form, 'end', text);
    return;
  }
  setBusy(form, true);
  let created;
  try {
    created = await addClosure(closure);
  } catch (error) {
    setBusy(form, false);
    reportError(error, ui.closureMessage, form);
    return;
  }
  setBusy(form, false);
  form.reset();
  drawClosures([...state.closures, created || closure]);
  showMessage(ui.closureMessage, `Fermeture ajoutée.${releasedText(created && created.released)}`, 'success');
  await refreshAfterClosureChange();
}

async function removeClosure(button) {
  clearErrors(ui.closuresMessage);
  setBusy(button, true);
  try {
    await deleteClosure(button.dataset.closureId);
  } catch (error) {
    setBusy(button, false);
    reportError(error, ui.closuresMessage);
    return;
  }
  drawClosures(state.closures.filter((c) => String(c.id) !== button.dataset.closureId));
  showMessage(ui.closuresMessage, 'Fermeture supprimée.', 'success');
  focus($('#closures-title'));
  await refreshAfterClosureChange();
}

function wireEvents() {
  ui.form.addEventListener('submit', (event) => {
    event.preventDefault();
    save();
  });
  ui.services.addEventListener('change', onServiceChange);
  ui.services.addEventListener('input', onServiceInput);
  for (const radio of $$('input[name="collection_mode"]', ui.form)) {
    radio.addEventListener('change', showTitres);
  }
  ui.closureForm.addEventListener('submit', (event) => {
    event.preventDefault();
    createClosure();
  });
  ui.closures.addEventListener('click', (event) => {
    const button = event.target instanceof Element ? event.target.closest('button.delete-closure') : null;
    if (button) removeClosure(button);
  });
}
