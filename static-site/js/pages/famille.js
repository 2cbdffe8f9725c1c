/**
 * famille.html?numero=N — one family, for the staff: contact details, quotient familial,
 * children (school, class, diet, allergies, who may pick them up). Administrators edit,
 * resend the credentials, archive or reactivate the family, add and archive children, and
 * see its account ("Compte": statement, invoices, credit notes, payments — famille-compte.js)
 * and its direct-debit mandates (mandate-staff.js); agents read. A family that left says
 * since when and from when the nightly purge anonymises it; an anonymised one says when,
 * and is read-only (its account and mandates stay).
 */
import {
  addChild, archiveChild, archiveFamily, getStaffFamily, resendCredentials, unarchiveFamily,
  updateChild, updateStaffFamily,
} from '../api.js';
import { canBill, canEditFamilies } from '../staff-roles.js';
import { childEditCard, childReadonly, familyReadonly, familyStateText } from '../templates-staff.js';
import {
  $, $$, confirmAction, focus, queryParam, render, setBusy, setDocumentTitle, show,
  showFieldError, showMessage,
} from '../view.js';
import { clearErrors, reportError } from '../common.js';
import { startAccount } from '../famille-compte.js';
import { startMandates } from '../mandate-staff.js';
import { staffToday, startStaffPage } from '../staff-common.js';

const state = {
  number: null,
  family: null,
  canEdit: false,
};
let ui = null;

export async function start() {
  const me = await startStaffPage('familles', 'Famille');
  if (!me) return;
  ui = {
    pageMessage: $('#page-message'),
    content: $('#content'),
    title: $('#family-title'),
    familyState: $('#family-state'),
    readonly: $('#details-readonly'),
    form: $('#details-form'),
    formMessage: $('#details-message'),
    accountSection: $('#account-section'),
    accountMessage: $('#account-message'),
    resend: $('#resend-credentials'),
    archive: $('#toggle-archive'),
    children: $('#children'),
    addSection: $('#add-child-section'),
    addForm: $('#add-child-form'),
    addMessage: $('#add-child-message'),
  };
  state.canEdit = canEditFamilies(me.staff_role);
  state.number = (queryParam('numero') || '').trim();
  if (!state.number) {
    showMessage(ui.pageMessage, 'Aucune famille n\'est indiquée. Revenez à la liste des familles.');
    return;
  }

  let family;
  try {
    family = await getStaffFamily(state.number);
  } catch (error) {
    if (error.status === 404) {
      showMessage(ui.pageMessage, `La famille n° ${state.number} est introuvable.`);
      return;
    }
    reportError(error, ui.pageMessage);
    return;
  }
  state.family = family;
  // Nothing of an anonymised family is left to edit: its page is read-only.
  if (family.anonymised_at) state.canEdit = false;
  show(ui.content, true);
  show(ui.form, state.canEdit);
  show(ui.readonly, !state.canEdit);
  show(ui.accountSection, state.canEdit);
  show(ui.addSection, state.canEdit);
  drawFamily();
  drawChildren();
  if (state.canEdit) wireEditing();
  if (canBill(me.staff_role)) {
    await Promise.all([
      startAccount(state.number, staffToday(me)),
      startMandates(state.number, { anonymised: Boolean(family.anonymised_at) }),
    ]);
  }
}

// --- Drawing -------------------------------------------------------------------------------

/** The line under the title: archived, since when its last child left, when it is (or
 * was) anonymised. */
function drawFamilyState() {
  const f = state.family;
  const text = familyStateText(f);
  ui.familyState.textContent = text;
  ui.familyState.classList.toggle('is-archived', Boolean(f.archived));
  show(ui.familyState, Boolean(text));
}

function drawFamily() {
  const f = state.family;
  // « Famille anonymisée » is already a family's name: not « Famille Famille anonymisée ».
  const name = f.anonymised_at ? f.name : `Famille ${f.name}`;
  ui.title.textContent = `${name} (n° ${f.number})`;
  setDocumentTitle(name);
  drawFamilyState();
  if (!state.canEdit) {
    render(ui.readonly, familyReadonly(f));
    return;
  }
  fillFamilyForm(f);
  ui.archive.textContent = f.archived ? 'Réactiver la famille' : 'Archiver la famille';
  ui.resend.disabled = Boolean(f.archived);
}

function fillFamilyForm(f) {
  const el = ui.form.elements;
  const emails = f.emails || [];
  el.name.value = f.name || '';
  el.email.value = emails[0] || '';
  el.email2.value = emails[1] || '';
  el.phones.value = (f.phones || []).join(', ');
  el.address.value = f.address || '';
  const income = f.income || {};
  el.qf.value = income.qf === null || income.qf === undefined ? '' : String(income.qf);
  el.qf_from.value = income.effective_from || '';
}

function drawChildren() {
  const children = state.family.children || [];
  if (!children.length) {
    render(ui.children, '<p class="empty">Aucun enfant.</p>');
    return;
  }
  // Children still attending first, archived ones after.
  const ordered = [...children].sort((a, b) => Number(Boolean(a.archived)) - Number(Boolean(b.archived)));
  render(ui.children, ordered.map((c) => (state.canEdit ? childEditCard(c) : childReadonly(c))).join(''));
}

function childCard(childId) {
  return $$('article.child-card', ui.children).find((a) => a.dataset.childId === String(childId)) || null;
}

// --- Editing (administrators) --------------------------------------------------------------

function wireEditing() {
  ui.form.addEventListener('submit', (event) => {
    event.preventDefault();
    saveFamily();
  });
  ui.resend.addEventListener('click', resend);
  ui.archive.addEventListener('click', toggleArchive);
  ui.children.addEventListener('submit', (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains('child-form')) return;
    event.preventDefault();
    saveChild(form);
  });
  ui.children.addEventListener('click', (event) => {
    const button = event.target instanceof Element ? event.target.closest('button.archive-child') : null;
    if (button) archiveOneChild(button);
  });
  ui.addForm.addEventListener('submit', (event) => {
    event.preventDefault();
    addOneChild();
  });
}

/** "12, 34" → ["12", "34"] */
function splitList(text, separator) {
  return String(text).split(separator).map((s) => s.trim()).filter(Boolean);
}

async function saveFamily() {
  const form = ui.form;
  clearErrors(ui.formMessage, form);
  const el = form.elements;
  const qfText = el.qf.value.trim();
  if (qfText && !/^\d+$/.test(qfText)) {
    const text = 'Le quotient familial doit être un nombre entier.';
    showMessage(ui.formMessage, text);
    showFieldError(form, 'income.qf', text);
    return;
  }
  const data = {
    name: el.name.value.trim(),
    emails: [el.email.value.trim(), el.email2.value.trim()].filter(Boolean),
    phones: splitList(el.phones.value, ','),
    address: el.address.value.trim(),
    income: {
      qf: qfText ? Number(qfText) : null,
      effective_from: el.qf_from.value || null,
    },
  };
  setBusy(form, true);
  try {
    state.family = { ...state.family, ...(await updateStaffFamily(state.number, data)) };
  } catch (error) {
    setBusy(form, false);
    reportError(error, ui.formMessage, form);
    return;
  }
  setBusy(form, false);
  drawFamily();
  showMessage(ui.formMessage, 'Modifications enregistrées.', 'success');
}

async function resend() {
  clearErrors(ui.accountMessage);
  const f = state.family;
  const to = Array.isArray(f.emails) && f.emails.length ? f.emails.join(', ') : 'ses adresses';
  const question = `Renvoyer ses identifiants à la famille ${f.name} ?\n\n`
    + `Un courriel avec son identifiant et un lien pour choisir un nouveau mot de passe `
    + `(valable 7 jours) sera envoyé à ${to}. Son mot de passe actuel reste valable tant `
    + 'que le lien n\'est pas utilisé.';
  if (!confirmAction(question)) return;
  setBusy(ui.resend, true);
  try {
    const answer = await resendCredentials(state.number);
    showMessage(ui.accountMessage, (answer && answer.message) || 'Les identifiants ont été renvoyés par courriel.', 'success');
    focus(ui.accountMessage);
  } catch (error) {
    reportError(error, ui.accountMessage);
  } finally {
    setBusy(ui.resend, false);
    ui.resend.disabled = Boolean(state.family.archived);
  }
}

async function toggleArchive() {
  clearErrors(ui.accountMessage);
  const archived = Boolean(state.family.archived);
  const question = archived
    ? `Réactiver la famille ${state.family.name} ? Elle pourra de nouveau se connecter et réserver.`
    : `Archiver la famille ${state.family.name} ? Elle ne pourra plus se connecter ni réserver.`;
  if (!confirmAction(question)) return;
  setBusy(ui.archive, true);
  try {
    const family = archived ? await unarchiveFamily(state.number) : await archiveFamily(state.number);
    state.family = { ...state.family, ...family };
  } catch (error) {
    setBusy(ui.archive, false);
    reportError(error, ui.accountMessage);
    return;
  }
  setBusy(ui.archive, false);
  drawFamily();
  showMessage(ui.accountMessage, state.family.archived ? 'La famille a été archivée.' : 'La famille a été réactivée.', 'success');
  ui.archive.focus();
}

/** Archiving the last child dates the family's departure: read it again for its line. */
async function refreshFamilyState(messageArea) {
  try {
    const fresh = await getStaffFamily(state.number);
    state.family = { ...state.family, left_on: fresh.left_on, purge_on: fresh.purge_on };
    drawFamilyState();
  } catch (error) {
    reportError(error, messageArea);
  }
}

function childFromForm(form) {
  const el = form.elements;
  return {
    first_name: el.first_name.value.trim(),
    last_name: el.last_name.value.trim(),
    school: el.school.value.trim(),
    class_name: el.class_name.value.trim(),
    meal_type: el.meal_type.value,
    allergies: el.allergies.value.trim(),
    pickup_people: splitList(el.pickup_people.value, /\r?\n/),
    birth_date: el.birth_date.value || null,
  };
}

function replaceChild(child) {
  state.family.children = (state.family.children || []).map((c) => (String(c.id) === String(child.id) ? { ...c, ...child } : c));
  return state.family.children.find((c) => String(c.id) === String(child.id));
}

async function saveChild(form) {
  const message = form.querySelector('.message');
  clearErrors(message, form);
  const childId = form.dataset.childId;
  const data = childFromForm(form);
  if (!data.first_name || !data.last_name) {
    showMessage(message, 'Le prénom et le nom sont obligatoires.');
    return;
  }
  setBusy(form, true);
  let saved;
  try {
    saved = await updateChild(state.number, childId, data);
  } catch (error) {
    setBusy(form, false);
    reportError(error, message, form);
    return;
  }
  setBusy(form, false);
  const child = replaceChild({ ...data, ...(saved || {}), id: childId });
  // Update in place, so focus stays on the button just used.
  const card = childCard(childId);
  if (card) {
    card.querySelector('.child-title').textContent = [child.first_name, child.last_name].filter(Boolean).join(' ');
    const el = form.elements;
    el.first_name.value = child.first_name || '';
    el.last_name.value = child.last_name || '';
    el.school.value = child.school || '';
    el.class_name.value = child.class_name || '';
    el.meal_type.value = child.meal_type || 'standard';
    el.allergies.value = child.allergies || '';
    el.pickup_people.value = (child.pickup_people || []).join('\n');
    el.birth_date.value = child.birth_date || '';
  }
  showMessage(message, 'Modifications enregistrées.', 'success');
}

async function archiveOneChild(button) {
  const childId = button.dataset.childId;
  const card = childCard(childId);
  const message = card ? card.querySelector('.message') : ui.accountMessage;
  clearErrors(message);
  setBusy(button, true);
  let saved;
  try {
    saved = await archiveChild(state.number, childId);
  } catch (error) {
    setBusy(button, false);
    reportError(error, message);
    return;
  }
  const child = replaceChild({ ...(saved || {}), id: childId, archived: true });
  await refreshFamilyState(message);
  if (card) {
    const html = childEditCard(child);
    card.outerHTML = html;
    const fresh = childCard(childId);
    if (fresh) {
      showMessage(fresh.querySelector('.message'), `${child.first_name} a été archivé(e).`, 'success');
      focus(fresh.querySelector('h3'));
    }
  }
}

async function addOneChild() {
  const form = ui.addForm;
  clearErrors(ui.addMessage, form);
  const el = form.elements;
  const child = { first_name: el.first_name.value.trim(), last_name: el.last_name.value.trim() };
  if (!child.first_name || !child.last_name) {
    showMessage(ui.addMessage, 'Le prénom et le nom sont obligatoires.');
    return;
  }
  setBusy(form, true);
  try {
    await addChild(state.number, child);
  } catch (error) {
    setBusy(form, false);
    reportError(error, ui.addMessage, form);
    return;
  }
  setBusy(form, false);
  el.first_name.value = '';
  el.last_name.value = '';
  showMessage(ui.addMessage, `${child.first_name} ${child.last_name} a été ajouté(e) à la famille.`, 'success');
  // The new child's card comes from the server, with its id and defaults.
  try {
    state.family = await getStaffFamily(state.number);
    drawChildren();
    drawFamilyState();
  } catch (error) {
    reportError(error, ui.addMessage);
  }
  el.first_name.focus();
}
