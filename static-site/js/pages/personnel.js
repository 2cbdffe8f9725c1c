/**
 * personnel.html — staff landing: create a family (its credentials are e-mailed to it)
 * and add a child to a family.
 */
import { addChild, createFamily, getMe } from '../api.js';
import {
  $, clearMessage, redirect, setBusy, setDocumentTitle, show, showMessage,
} from '../view.js';
import {
  FAMILY_HOME, errorText, followSessionError, wireLogout,
} from './common.js';

export async function start() {
  wireLogout();
  const pageMessage = $('#page-message');

  let me;
  try {
    me = await getMe();
  } catch (error) {
    if (followSessionError(error)) return;
    showMessage(pageMessage, errorText(error));
    return;
  }
  if (!me || me.role !== 'staff') {
    redirect(FAMILY_HOME);
    return;
  }
  $('#welcome').textContent = `Bienvenue ${me.name}`;
  setDocumentTitle('Espace du personnel');
  show($('#staff'), true);

  wireFamilyForm();
  wireChildForm();
}

function wireFamilyForm() {
  const form = $('#family-form');
  const message = $('#family-message');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearMessage(message);
    const f = form.elements;
    const name = f.name.value.trim();
    const emails = [f.email.value.trim(), f.email2.value.trim()].filter(Boolean);
    const phones = [f.phone.value.trim()].filter(Boolean);
    const address = f.address.value.trim();
    if (!name || !emails.length) {
      showMessage(message, 'Le nom de la famille et une adresse mail sont obligatoires.');
      return;
    }
    setBusy(form, true);
    try {
      const created = await createFamily({
        name, emails, phones, address,
      });
      form.reset();
      showMessage(message, `Famille n° ${created.number} créée. Ses identifiants lui ont été envoyés par courriel.`, 'success');
      // Ready for the next step: adding the children of this family.
      $('#child-family').value = created.number;
    } catch (error) {
      if (followSessionError(error)) return;
      showMessage(message, errorText(error));
    } finally {
      setBusy(form, false);
    }
  });
}

function wireChildForm() {
  const form = $('#child-form');
  const message = $('#child-message');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearMessage(message);
    const f = form.elements;
    const number = f.family.value.trim();
    const child = { first_name: f.first_name.value.trim(), last_name: f.last_name.value.trim() };
    if (!number || !child.first_name || !child.last_name) {
      showMessage(message, 'Le n° de famille, le prénom et le nom sont obligatoires.');
      return;
    }
    setBusy(form, true);
    try {
      await addChild(number, child);
      f.first_name.value = '';
      f.last_name.value = '';
      showMessage(message, `${child.first_name} ${child.last_name} a été ajouté(e) à la famille n° ${number}.`, 'success');
      f.first_name.focus();
    } catch (error) {
      if (followSessionError(error)) return;
      showMessage(message, errorText(error));
    } finally {
      setBusy(form, false);
    }
  });
}
