/**
 * staff-roles.js — which staff role ("admin", "agent", "kitchen") may use which console page
 * and which CSV export. The server enforces the same rules; this only hides what would be
 * refused. Pure, no DOM: importable from Node.
 */

export const ROLE_LABELS = {
  admin: 'Administrateur',
  agent: 'Agent',
  kitchen: 'Cuisine',
};

const ALL = ['admin', 'agent', 'kitchen'];

/** The console pages, in the order of the navigation bar. */
export const STAFF_PAGES = [
  { key: 'accueil', href: 'personnel.html', label: 'Accueil', roles: ALL },
  { key: 'familles', href: 'familles.html', label: 'Familles', roles: ['admin', 'agent'] },
  { key: 'parametres', href: 'parametres.html', label: 'Paramètres', roles: ['admin'] },
  { key: 'facturation', href: 'facturation.html', label: 'Facturation', roles: ['admin'] },
  { key: 'pointage', href: 'pointage.html', label: 'Pointage', roles: ['admin', 'agent'] },
  { key: 'effectifs', href: 'effectifs.html', label: 'Effectifs', roles: ALL },
  { key: 'attente', href: 'attente.html', label: "Listes d'attente", roles: ['admin', 'agent'] },
  { key: 'malades', href: 'malades.html', label: 'Malades', roles: ['admin', 'agent'] },
  { key: 'menus', href: 'menus-personnel.html', label: 'Menus', roles: ['admin', 'kitchen'] },
  { key: 'exports', href: 'exports.html', label: 'Exports', roles: ALL },
  { key: 'verrouillages', href: 'verrouillages.html', label: 'Verrouillages', roles: ['admin'] },
  { key: 'comptes', href: 'personnel-comptes.html', label: 'Personnel', roles: ['admin'] },
  { key: 'journal', href: 'journal.html', label: 'Journal', roles: ['admin'] },
];

/**
 * The CSV exports, in display order, with the roles allowed to download each. Most cover a
 * period "Du" – "Au"; the billing ones (`period: 'month'`) cover one invoiced month.
 */
export const EXPORTS = [
  { name: 'headcounts', label: 'Effectifs cuisine', roles: ALL },
  { name: 'bookings', label: 'Réservations', roles: ['admin', 'agent'] },
  { name: 'attendance', label: 'Pointage', roles: ['admin', 'agent'] },
  { name: 'families', label: 'Familles', roles: ['admin'] },
  { name: 'invoices', label: 'Factures', roles: ['admin'], period: 'month' },
  { name: 'ledger', label: 'Grand livre', roles: ['admin'], period: 'month' },
  // The State's reports, each with its own parameter (a month, four months, a week).
  { name: 'caf', label: "Rapport d'activité CAF", roles: ['admin'], period: 'report' },
  { name: 'meal_aid', label: 'Cantine à 1 € (4 mois)', roles: ['admin'], period: 'report' },
  { name: 'meal_order', label: 'Commande de repas', roles: ['admin', 'kitchen'], period: 'report' },
];

/** Whether a staff role may open a console page (by key). */
export function canUse(role, pageKey) {
  const page = STAFF_PAGES.find((p) => p.key === pageKey);
  return Boolean(page && page.roles.includes(role));
}

/** The navigation links a role sees. */
export function pagesFor(role) {
  return STAFF_PAGES.filter((p) => p.roles.includes(role));
}

/** The exports a role may download (`period`: 'range' for "Du" – "Au", 'month'; omitted: all). */
export function exportsFor(role, period = null) {
  return EXPORTS.filter((x) => x.roles.includes(role)
    && (!period || (x.period || 'range') === period));
}

/** Only an administrator sees and handles money (tariffs, invoices, payments, credit notes). */
export function canBill(role) {
  return role === 'admin';
}

/** Only an administrator edits families; an agent reads them. */
export function canEditFamilies(role) {
  return role === 'admin';
}
