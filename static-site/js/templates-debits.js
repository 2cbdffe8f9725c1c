/**
 * templates-debits.js — HTML strings of the « Prélèvements automatiques » section of
 * facturation.html: the month's debits (account masked) and its files. All text escaped.
 */
import { escapeHtml as e } from './templates.js';
import { formatDotDate, formatMoney, plural } from './format.js';

const SEQUENCES = { FRST: 'Premier', RCUR: 'Récurrent' };

/** The month's debits: Famille | Facture | Montant | Date | Mandat | Compte | État. */
export function debitsTable(debits) {
  if (!debits.length) {
    return '<p class="empty">Aucun prélèvement pour ce mois : ils sont prévus à la validation de la facturation, pour les familles qui ont signé un mandat.</p>';
  }
  const rows = debits.map((d) => {
    const reject = d.reject
      ? `<p class="hint">Motif ${e(d.reject.code)} : ${e(d.reject.label)} (${e(formatDotDate(d.reject.date))})</p>`
      : '';
    const notice = d.status === 'prevu' && !d.notified ? '<p class="hint">Famille pas encore prévenue</p>' : '';
    const amendment = d.amendment ? '<p class="hint">Changement de compte</p>' : '';
    return `<tr class="debit is-${e(d.status)}">
<th scope="row">${e(d.family_name || d.family)} <span class="hint">(n° ${e(d.family)})</span></th>
<td>${e(d.invoice)}</td>
<td class="num">${e(formatMoney(d.amount_cents))}</td>
<td class="nowrap">${e(formatDotDate(d.collection_date))}</td>
<td>${e(d.rum)}<p class="hint">${e(SEQUENCES[d.sequence] || d.sequence)}</p>${amendment}</td>
<td class="nowrap">${e(d.iban)}</td>
<td><span class="status">${e(d.status_label)}</span>${notice}${reject}</td>
</tr>`;
  }).join('');
  return `<div class="table-scroll" tabindex="0"><table class="data-table debits">
<caption class="visually-hidden">Prélèvements du mois</caption>
<thead><tr><th scope="col">Famille</th><th scope="col">Facture</th><th scope="col" class="num">Montant</th><th scope="col">Date</th><th scope="col">Mandat</th><th scope="col">Compte</th><th scope="col">État</th></tr></thead>
<tbody>${rows}</tbody></table></div>`;
}

/** The files already issued, each with its download link. */
export function debitFilesList(files, fileHref) {
  if (!files.length) return '';
  const items = files.map((f) => `<li>Fichier ${e(f.id)} : ${e(plural(f.count, 'prélèvement', 'prélèvements'))}, ${e(formatMoney(f.total_cents))}, le ${e((f.collection_dates || []).map(formatDotDate).join(', '))} <a class="button-link is-secondary" href="${e(fileHref(f.id))}" download="${e(f.file_name)}">Télécharger<span class="visually-hidden"> le fichier ${e(f.id)}</span></a></li>`).join('');
  return `<h3>Fichiers émis</h3><ul class="debit-files">${items}</ul>`;
}

/** The options of the reject form: the debits sent to the bank, then the bank's reasons. */
export function rejectOptions(debits, reasons) {
  const sent = debits.filter((d) => d.status === 'transmis');
  return {
    any: sent.length > 0,
    invoices: sent.map((d) => `<option value="${e(d.invoice)}">${e(d.invoice)} – ${e(d.family_name || d.family)} – ${e(formatMoney(d.amount_cents))}</option>`).join(''),
    reasons: reasons.map((r) => `<option value="${e(r.code)}">${e(r.code)} – ${e(r.label)}</option>`).join(''),
  };
}
