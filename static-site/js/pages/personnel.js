/**
 * personnel.html — home of the staff console: welcome line, the navigation bar of the
 * pages the role may use and, for an administrator, the quick forms "Nouvelle famille"
 * (its credentials are e-mailed to it) and "Ajouter un enfant".
 */
import { $, setDocumentTitle, show } from '../view.js';
import { roleLabel } from '../templates-staff.js';
import { canEditFamilies } from '../staff-roles.js';
import { wireChildForm, wireFamilyForm } from '../family-forms.js';
import { startStaffPage } from '../staff-common.js';

export async function start() {
  const me = await startStaffPage('accueil', 'Espace du personnel');
  if (!me) return;
  $('#welcome').textContent = `Bienvenue ${me.name}`;
  setDocumentTitle('Espace du personnel');
  $('#role-line').textContent = `Rôle : ${roleLabel(me.staff_role)}`;
  show($('#staff'), true);

  if (canEditFamilies(me.staff_role)) {
    show($('#admin-forms'), true);
    wireFamilyForm($('#family-form'), $('#family-message'), {
      onCreated: (number) => { $('#child-family').value = number; },
    });
    wireChildForm($('#child-form'), $('#child-message'));
  }
}
