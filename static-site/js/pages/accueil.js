/**
 * index.html — the family home ("relevé de situation"): welcome line, the balance ("Votre
 * solde à ce jour est de …"), family details, the "Relevé de compte" (5 latest lines,
 * "Afficher tout") and, per child, the upcoming bookings summed up per month (each month a
 * link to its grid) with "Ajouter des inscriptions"; a link to « Enfant malade » (malade.html).
 * A visitor who is not signed in is sent to connexion.html; a staff member to personnel.html.
 */
import { getHome, getStatement, invoicePdfUrl } from '../api.js';
import {
  balanceMeaning, balanceSentence, childSummary, familyDetails, statementTable,
} from '../templates.js';
import {
  $, RECENT_LINES, render, setDocumentTitle, showMessage, statementView,
} from '../view.js';
import {
  errorText, followSessionError, reportError, sendStaffToConsole, wireLogout,
} from '../common.js';

export async function start() {
  wireLogout();
  const pageMessage = $('#page-message');
  const childrenArea = $('#children');

  // One call brings the family, its latest account lines and the upcoming bookings.
  let home;
  try {
    home = await getHome();
  } catch (error) {
    if (followSessionError(error)) return;
    if (await sendStaffToConsole(error)) return;
    childrenArea.removeAttribute('aria-busy');
    render(childrenArea, '');
    showMessage(pageMessage, errorText(error));
    return;
  }

  const { family } = home;
  $('#welcome').textContent = `Bienvenue ${family.name} !`;
  setDocumentTitle('Relevé de situation');
  render($('#family-details'), familyDetails(family));

  let preloaded = home.statement;
  const statement = statementView({
    balance: $('#balance'),
    meaning: $('#balance-meaning'),
    table: $('#statement'),
    footer: $('#statement-footer'),
    sentence: $('#statement-sentence'),
    button: $('#statement-all'),
    message: $('#statement-message'),
  }, {
    // The first drawing uses the lines that came with the page; "Afficher tout" asks.
    load: (limit) => {
      if (preloaded && limit === RECENT_LINES) {
        const answer = preloaded;
        preloaded = null;
        return Promise.resolve(answer);
      }
      return getStatement(limit);
    },
    tableHtml: statementTable,
    report: reportError,
    balanceHtml: balanceSentence,
    meaningText: balanceMeaning,
    invoiceHref: invoicePdfUrl,
  });

  const children = family.children || [];
  if (!(await statement.refresh())) return;
  const bookings = children.length ? home.bookings : null;

  childrenArea.removeAttribute('aria-busy');
  if (!children.length) {
    render(childrenArea, '<p class="empty">Aucun enfant n\'est encore inscrit. Adressez-vous à la mairie.</p>');
    return;
  }
  // A service booked on the spot (attendance) has no bookings to sum up.
  const services = ((bookings && bookings.services) || []).filter((s) => s.mode !== 'attendance');
  const daysByChild = new Map(((bookings && bookings.children) || []).map((c) => [String(c.id), c.days || []]));
  render(childrenArea, children.map((child) => {
    const days = bookings
      ? [...(daysByChild.get(String(child.id)) || [])].sort((a, b) => String(a.date).localeCompare(String(b.date)))
      : null;
    return childSummary(child, services, days);
  }).join(''));
}
