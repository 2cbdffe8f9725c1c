/**
 * personnel-comptes.html — the staff accounts (administrators): list, change a role,
 * delete (after confirmation), create ("Nouveau compte").
 */
import {
  createStaffAccount, deleteStaffAccount, listStaffAccounts, updateStaffAccount,
} from '../api.js';
import { accountList, roleLabel } from '../templates-staff.js';
import {
  $, confirmAction, focus, render, setBusy, show, showMessage,
} from '../view.js';
import { clearErrors, reportError } from '../common.js';
import { startStaffPage } from '../staff-common.js';

let ui = null;
let selfEmail = '';

export async function start() {
  const me = await startStaffPage('comptes', 'Comptes du personnel');
  if (!me) return;
  selfEmail = me.email || '';
  ui = {
    pageMessage: $('#page-message'),
    content: $('#content'),
    list: $('#accounts'),
    listMessage: $('#accounts-message'),
    form: $('#account-form'),
    formMessage: $('#account-message'),
  };
  if (!(await load(ui.pageMessage))) return;
  show(ui.content, true);

  ui.list.addEventListener('submit', (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains('account-form')) return;
    event.preventDefault();
    saveRole(form);
  });
  ui.list.addEventListener('click', (event) => {
    const button = event.target instanceof Element ? event.target.closest('button.delete-account') : null;
    if (button) remove(button.closest('form'), button);
  });
  ui.form.addEventListener('submit', (event) => {
    event.preventDefault();
    create();
  });
}

async function load(messageArea) {
  ui.list.setAttribute('aria-busy', 'true');
  try {
    const answer = await listStaffAccounts();
    const accounts = [...((answer && answer.accounts) || [])]
      .sort((a, b) => String(a.name || a.email).localeCompare(String(b.name || b.email), 'fr'));
    render(ui.list, accountList(accounts, selfEmail));
    return true;
  } catch (error) {
    reportError(error, messageArea);
    return false;
  } finally {
    ui.list.removeAttribute('aria-busy');
  }
}

async function saveRole(form) {
  const message = form.querySelector('.message');
  clearErrors(message, form);
  const role = form.elements.role.value;
  setBusy(form, true);
  try {
    await updateStaffAccount(form.dataset.email, { name: form.dataset.name, role });
  } catch (error) {
    setBusy(form, false);
    reportError(error, message, form);
    return;
  }
  setBusy(form, false);
  showMessage(message, `Rôle enregistré : ${roleLabel(role)}.`, 'success');
}

async function remove(form, button) {
  const message = form.querySelector('.message');
  clearErrors(message, form);
  const who = form.dataset.name || form.dataset.email;
  if (!confirmAction(`Supprimer le compte de ${who} (${form.dataset.email}) ? Cette personne ne pourra plus se connecter.`)) return;
  setBusy(button, true);
  try {
    await deleteStaffAccount(form.dataset.email);
  } catch (error) {
    setBusy(button, false);
    reportError(error, message);
    return;
  }
  await load(ui.listMessage);
  showMessage(ui.listMessage, `Le compte de ${who} a été supprimé.`, 'success');
  focus($('#accounts-title'));
}

async function create() {
  const form = ui.form;
  clearErrors(ui.formMessage, form);
  const el = form.elements;
  const account = { name: el.name.value.trim(), email: el.email.value.trim(), role: el.role.value };
  if (!account.name || !account.email) {
    showMessage(ui.formMessage, 'Le nom et l\'adresse mail sont obligatoires.');
    return;
  }
  setBusy(form, true);
  try {
    await createStaffAccount(account);
  } catch (error) {
    setBusy(form, false);
    reportError(error, ui.formMessage, form);
    return;
  }
  setBusy(form, false);
  form.reset();
  showMessage(ui.formMessage, `Compte créé pour ${account.name} (${roleLabel(account.role)}).`, 'success');
  await load(ui.listMessage);
  el.name.focus();
}
