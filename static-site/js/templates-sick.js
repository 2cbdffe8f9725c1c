/**
 * templates-sick.js — HTML strings of the sick-day screens ("Mon enfant est malade"), for
 * the family's home page and the staff's « Enfants malades » page. All text escaped.
 */
import { escapeHtml as e } from './templates.js';
import { formatDateTime, formatLongDate } from './format.js';

export const CERTIFICATE_STATUS = {
  pending: 'certificat en attente de validation',
  accepted: 'certificat accepté',
  refused: 'certificat refusé',
};

function certificateText(report) {
  const cert = report.certificate;
  if (!cert) return 'pas de certificat';
  const note = cert.note ? ` (${cert.note})` : '';
  return `${CERTIFICATE_STATUS[cert.status] || cert.status}${note}`;
}

/** The family's form and its reported days, per child. */
export function sickChildren(children, reports, today, certificateHref) {
  return children.map((child) => {
    const own = reports.filter((r) => String(r.child_id) === String(child.id));
    const items = own.map((r) => {
      const upload = (!r.certificate || r.certificate.status !== 'accepted')
        ? `<form class="certificate-form" data-child="${e(child.id)}" data-date="${e(r.date)}">
            <label>Certificat médical (PDF ou photo, 4 Mo au plus)
              <input type="file" name="file" accept="application/pdf,image/jpeg,image/png,image/heic,.heic" required></label>
            <button type="submit">Déposer le certificat</button>
          </form>` : '';
      const link = r.certificate
        ? ` <a href="${e(certificateHref(child.id, r.date))}">voir</a>` : '';
      return `<li class="sick-day" data-date="${e(r.date)}"><strong>${e(formatLongDate(r.date))} : malade</strong>
        — <span class="certificate-status">${e(certificateText(r))}</span>${link}${upload}</li>`;
    }).join('');
    return `<div class="sick-child">
      <h3>${e(child.first_name)} ${e(child.last_name)}</h3>
      <form class="sick-form" data-child="${e(child.id)}">
        <label>Jour d'absence <input type="date" name="date" value="${e(today)}" required></label>
        <button type="submit">Mon enfant est malade</button>
      </form>
      ${items ? `<ul class="sick-days" aria-label="Jours signalés malade de ${e(child.first_name)}">${items}</ul>` : ''}
    </div>`;
  }).join('');
}

/** The staff's table of sick days, with the admin's decision buttons. */
export function sickReportsTable(reports, certificateHref, canDecide) {
  if (!reports.length) return '<p class="empty">Aucun enfant signalé malade sur la période.</p>';
  const rows = reports.map((r) => {
    const cert = r.certificate;
    let actions = '';
    if (cert && canDecide) {
      actions = `<a href="${e(certificateHref(r.child_id, r.date))}">Voir le certificat</a>`;
      if (cert.status === 'pending') {
        actions += ` <button type="button" data-decision="accepted" data-child="${e(r.child_id)}" data-date="${e(r.date)}">Accepter</button>
          <button type="button" data-decision="refused" data-child="${e(r.child_id)}" data-date="${e(r.date)}">Refuser</button>`;
      }
    }
    return `<tr data-child="${e(r.child_id)}" data-date="${e(r.date)}">
      <td>${e(formatLongDate(r.date))}</td>
      <td>${e(r.first_name)} ${e(r.last_name)}</td>
      <td>${e(r.family_name)} (${e(r.family)})</td>
      <td>${e((r.services || []).join(', '))}</td>
      <td>${e(formatDateTime(r.reported_at))}</td>
      <td class="certificate-status">${e(certificateText(r))}</td>
      <td>${actions}</td></tr>`;
  }).join('');
  return `<table class="table"><caption>Enfants signalés malades</caption>
    <thead><tr><th scope="col">Jour</th><th scope="col">Enfant</th><th scope="col">Famille</th>
    <th scope="col">Prestations</th><th scope="col">Signalé le</th><th scope="col">Certificat</th>
    <th scope="col">Décision</th></tr></thead><tbody>${rows}</tbody></table>`;
}
