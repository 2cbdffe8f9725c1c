/**
 * donnees-personnelles.html — the personal-data notice (RGPD): the controller, its data
 * protection officer and the retention periods come from the commune's settings; the
 * rest (purposes, legal bases, recipients, rights) is what the product does.
 */
import { fill, loadNotices } from '../legal.js';

function months(count) {
  if (count % 12 === 0) return count === 12 ? '1 an' : `${count / 12} ans`;
  return `${count} mois`;
}

export async function start() {
  const data = await loadNotices();
  const p = data && data.privacy;
  if (!p) return;
  fill('controller', p.controller || data.name);
  if (p.address) fill('address', `, ${p.address}`);
  if (p.dpo_contact) fill('dpo', p.dpo_contact);
  if (Number.isInteger(p.retention_months)) fill('retention-months', months(p.retention_months));
  if (Number.isInteger(p.accounting_years)) fill('accounting-years', `${p.accounting_years} ans`);
  const whom = [p.controller || data.name, p.dpo_contact ? `son délégué à la protection des données (${p.dpo_contact})` : '']
    .filter(Boolean).join(' ou ');
  fill('rights-contact', `Pour exercer ces droits, adressez-vous à ${whom}.`);
}
