/**
 * templates-mandate.js — HTML strings of « Prélèvement automatique » (the family's mandate
 * in « Vos informations ») and of the staff's « Mandat de prélèvement » block on the family
 * page. The IBAN only ever comes masked from the server. All text escaped.
 */
import { escapeHtml as e } from './templates.js';
import { formatDateTime, formatLongDate } from './format.js';

/** When and how a mandate was signed, in words. */
export function signedText(m) {
  if (m.channel === 'online' && m.signed_at) return `signé en ligne le ${formatDateTime(m.signed_at)}`;
  return `mandat papier signé le ${formatLongDate(m.signed_on)}`;
}

/** The family's mandate: reference, account (masked), state and date. */
export function mandateSummary(m) {
  const reason = m.status_reason ? ` (${e(m.status_reason)})` : '';
  const pending = m.amendment_pending
    ? '<p class="hint">Changement de compte enregistré : il sera transmis à la banque avec le prochain prélèvement.</p>' : '';
  return `<dl class="details mandate-summary">
      <div><dt>Référence du mandat (RUM)</dt><dd>${e(m.rum)}</dd></div>
      <div><dt>Titulaire du compte</dt><dd>${e(m.holder)}</dd></div>
      <div><dt>IBAN</dt><dd class="iban">${e(m.iban_masked)}</dd></div>
      <div><dt>BIC</dt><dd>${e(m.bic)}</dd></div>
      <div><dt>État</dt><dd class="mandate-status">${e(m.status_label)}${reason}</dd></div>
      <div><dt>Signature</dt><dd>${e(signedText(m))}</dd></div>
    </dl>${pending}`;
}

/** The mandate's text, paragraph by paragraph, as the family accepts it. */
export function mandateText(offer) {
  const head = `<p><strong>Créancier : ${e(offer.creditor_name)}</strong> — identifiant créancier SEPA (ICS) ${e(offer.creditor_id)}.
    Prélèvement le ${e(offer.debit_day)} du mois (ou le jour ouvré suivant), paiement récurrent.</p>`;
  return head + (offer.text || []).map((p) => `<p>${e(p)}</p>`).join('');
}

/** The staff's list of a family's mandates, newest first, with their actions. */
export function staffMandates(mandates, pdfHref, enabled) {
  if (!mandates.length) return '<p class="empty">Aucun mandat de prélèvement.</p>';
  const items = [...mandates].reverse().map((m) => {
    const actions = [];
    if (enabled && m.status === 'active') actions.push(`<button type="button" data-action="suspend" data-rum="${e(m.rum)}">Suspendre</button>`);
    if (enabled && m.status === 'suspended') actions.push(`<button type="button" data-action="resume" data-rum="${e(m.rum)}">Reprendre</button>`);
    if (enabled && m.status !== 'revoked') actions.push(`<button type="button" data-action="revoke" data-rum="${e(m.rum)}">Révoquer</button>`);
    const reason = m.status_reason ? ` (${e(m.status_reason)})` : '';
    const rejects = m.rejects ? `, ${e(m.rejects)} rejet(s)` : '';
    return `<li class="mandate-item card" data-rum="${e(m.rum)}">
        <p><strong>${e(m.rum)}</strong> — <span class="mandate-status">${e(m.status_label)}${reason}</span>${rejects}</p>
        <p>${e(m.holder)} — IBAN ${e(m.iban_masked)} — BIC ${e(m.bic)}</p>
        <p class="hint">${e(signedText(m))}, par ${e(m.signed_by)}${m.amendment_pending ? ' — changement de compte à transmettre' : ''}</p>
        <div class="row-actions"><a class="button-link is-secondary" href="${e(pdfHref(m.rum))}" target="_blank" rel="noopener" aria-label="Télécharger le mandat ${e(m.rum)} (PDF)">Télécharger (PDF)</a>${actions.join('')}</div>
      </li>`;
  }).join('');
  return `<ul class="mandate-list">${items}</ul>`;
}
