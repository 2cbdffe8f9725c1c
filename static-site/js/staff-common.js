/**
 * staff-common.js — what every page of the staff console shares: who is signed in, the
 * navigation bar of the links their role may use, and the refusal of a page the role
 * may not use.
 */
import { getMe } from './api.js';
import { isIsoDate, todayInParis } from './format.js';
import { canUse } from './staff-roles.js';
import { staffNav } from './templates-staff.js';
import {
  $, maybe, redirect, render, setDocumentTitle, show, showMessage,
} from './view.js';
import {
  FAMILY_HOME, errorText, followSessionError, wireLogout,
} from './common.js';

export const NOT_ALLOWED = 'Cette page n\'est pas accessible avec votre rôle. Choisissez une autre page dans le menu.';

/**
 * Start a console page: wire "Déconnexion", check the session, draw the navigation.
 * Resolves to the signed-in staff member ({role, name, staff_role, email}), or null when
 * the page must not go on (sent elsewhere, or its role may not use `pageKey`).
 */
export async function startStaffPage(pageKey, title) {
  wireLogout();
  const pageMessage = $('#page-message');
  if (title) setDocumentTitle(title);
  let me;
  try {
    me = await getMe();
  } catch (error) {
    if (followSessionError(error)) return null;
    showMessage(pageMessage, errorText(error));
    return null;
  }
  if (!me || me.role !== 'staff') {
    redirect(FAMILY_HOME);
    return null;
  }
  const nav = maybe('#staff-nav');
  if (nav) {
    render(nav, staffNav(me.staff_role, pageKey));
    wireNavToggle(nav);
    show(nav, true);
  }
  if (pageKey && !canUse(me.staff_role, pageKey)) {
    showMessage(pageMessage, NOT_ALLOWED);
    return null;
  }
  return me;
}

/** The phone's "Menu" button: opens and closes the list; Escape closes it again. */
function wireNavToggle(nav) {
  const toggle = nav.querySelector('.nav-toggle');
  if (!toggle) return;
  const setOpen = (open) => toggle.setAttribute('aria-expanded', open ? 'true' : 'false');
  toggle.addEventListener('click', () => setOpen(toggle.getAttribute('aria-expanded') !== 'true'));
  nav.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape' || toggle.getAttribute('aria-expanded') !== 'true') return;
    setOpen(false);
    toggle.focus();
  });
}

/**
 * Today for default periods: the server's date when GET /api/auth/me gives one (`today`),
 * else the device's date in Europe/Paris.
 */
export function staffToday(me) {
  return me && isIsoDate(me.today) ? me.today : todayInParis();
}
