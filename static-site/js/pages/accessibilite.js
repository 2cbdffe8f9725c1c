/**
 * accessibilite.html — the accessibility statement (decree 2019-768, the DINUM's model),
 * written from the commune's settings: state, results, non-accessible contents, when and
 * how it was established, contact, and the recourse to the Défenseur des droits.
 */
import { fill, loadNotices, longDate, slot, writeContact } from '../legal.js';

export async function start() {
  fill('site', window.location.origin);
  const data = await loadNotices();
  const a = data && data.accessibility;
  if (!a) return;
  fill('status-label', a.status_label);
  if (a.status === 'partiellement' || a.status === 'non') {
    fill('status-reason', ' en raison des non-conformités et des dérogations énumérées ci-dessous');
  }
  const method = a.method === 'audit-externe' ? 'L’audit externe' : 'L’auto-évaluation';
  if (a.audit_date) {
    fill('results', typeof a.rate === 'number'
      ? `${method} de conformité réalisée le ${longDate(a.audit_date)} révèle que ${a.rate} % des critères du RGAA version 4.1 sont respectés.`
      : `${method} de conformité a été réalisée le ${longDate(a.audit_date)}.`);
    fill('established', `Cette déclaration a été établie le ${longDate(a.audit_date)} (${a.method_label}).`);
  }
  fill('non-compliant', a.non_compliant);
  fill('derogations', a.derogations);
  writeContact(slot('contact'), a.contact, 'Signaler un défaut d’accessibilité : ');
}
