/**
 * family-forms.js — the two staff forms "Nouvelle famille" and "Ajouter un enfant" (by
 * family number), used on the console home and on the families page.
 */
import { addChild, createFamily } from './api.js';
import { setBusy, showMessage } from './view.js';
import { clearErrors, reportError } from './common.js';

/**
 * "Nouvelle famille": name, e-mail(s), phone, address → POST /api/staff/families.
 * `onCreated(number, message)` may show more than the default success line.
 */
export function wireFamilyForm(form, message, { onCreated = null } = {}) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(message, form);
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
      const text = `Famille n° ${created.number} créée. Ses identifiants lui ont été envoyés par courriel.`;
      showMessage(message, text, 'success');
      if (onCreated) onCreated(created.number, text);
    } catch (error) {
      reportError(error, message, form);
    } finally {
      setBusy(form, false);
    }
  });
}

/** "Ajouter un enfant" with a "N° de famille" field → POST /api/staff/families/{n}/children. */
export function wireChildForm(form, message) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(message, form);
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
      reportError(error, message, form);
    } finally {
      setBusy(form, false);
    }
  });
}
