/**
 * index.html — the family home ("relevé de situation"): welcome line, the balance ("Votre
 * solde à ce jour est de …"), family details, the "Relevé de compte" (5 latest lines,
 * "Afficher tout") and, per child, the upcoming booked days with "Ajouter des inscriptions".
 * A visitor who is not signed in is sent to connexion.html; a staff member to personnel.html.
 */
import {
  getFamily, getFamilyBookings, getMe, getStatement, invoicePdfUrl,
} from '../api.js';
import { addDays, todayInParis } from '../dates.js';
import {
  balanceMeaning, balanceSentence, childBookings, familyDetails,
} from '../templates.js';
import { $, redirect, render, setDocumentTitle, showMessage } from '../view.js';
import { STAFF_HOME, errorText, followSessionError, wireLogout } from './common.js';
import { statementView } from './statement-view.js';

/** How far ahead the "Inscriptions en cours" list looks. */
const UPCOMING_DAYS = 90;

export async function start() {
  wireLogout();
  const pageMessage = $('#page-message');
  const childrenArea = $('#children');

  let family;
  try {
    family = await getFamily();
  } catch (error) {
    if (followSessionError(error)) return;
    if (error.status === 403 && (await isStaff())) {
      redirect(STAFF_HOME);
      return;
    }
    childrenArea.removeAttribute('aria-busy');
    render(childrenArea, '');
    showMessage(pageMessage, errorText(error));
    return;
  }

  $('#welcome').textContent = `Bienvenue ${family.name} !`;
  setDocumentTitle('Relevé de situation');
  render($('#family-details'), familyDetails(family));

  const statement = statementView({
    balance: $('#balance'),
    meaning: $('#balance-meaning'),
    table: $('#statement'),
    footer: $('#statement-footer'),
    sentence: $('#statement-sentence'),
    button: $('#statement-all'),
    message: $('#statement-message'),
  }, {
    load: getStatement,
    balanceHtml: balanceSentence,
    meaningText: balanceMeaning,
    invoiceHref: invoicePdfUrl,
  });

  const children = family.children || [];
  // The server's date wins over the device's: the commune's clock decides deadlines.
  const [statementShown, bookings] = await Promise.all([
    statement.refresh(),
    loadBookings(children, family.today || todayInParis()),
  ]);
  if (!statementShown || bookings === 'redirected') return;

  childrenArea.removeAttribute('aria-busy');
  if (!children.length) {
    render(childrenArea, '<p class="empty">Aucun enfant n\'est encore inscrit. Adressez-vous à la mairie.</p>');
    return;
  }
  const services = (bookings && bookings.services) || [];
  const daysByChild = new Map(((bookings && bookings.children) || []).map((c) => [String(c.id), c.days || []]));
  render(childrenArea, children.map((child) => {
    const days = bookings
      ? [...(daysByChild.get(String(child.id)) || [])].sort((a, b) => String(a.date).localeCompare(String(b.date)))
      : null;
    return childBookings(child, services, days);
  }).join(''));
}

/** Upcoming bookings, or null when the list is unavailable (then only the links show). */
async function loadBookings(children, from) {
  if (!children.length) return null;
  try {
    return await getFamilyBookings(from, addDays(from, UPCOMING_DAYS));
  } catch (error) {
    if (followSessionError(error)) return 'redirected';
    if (error.status !== 404) showMessage($('#bookings-message'), errorText(error));
    return null;
  }
}

async function isStaff() {
  try {
    const me = await getMe();
    return Boolean(me && me.role === 'staff');
  } catch (error) {
    return false;
  }
}
