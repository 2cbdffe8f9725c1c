/**
 * common.js — what every signed-in page shares: the session redirects and the
 * "Déconnexion" button of the header.
 */
import { ApiError, getMe, logout } from './api.js';
import {
  clearFieldErrors, clearMessage, maybe, redirect, showFieldError, showMessage,
} from './view.js';

export const LOGIN_PAGE = 'connexion.html';
export const CHANGE_PASSWORD_PAGE = 'changer-mot-de-passe.html';
export const FAMILY_HOME = 'index.html';
export const STAFF_HOME = 'personnel.html';

const FIRST_LOGIN_KEY = 'cantine.passwordChangeRequired';

/** Remember (for this tab) that the password must be changed before anything else. */
export function markPasswordChangeRequired(required) {
  try {
    if (required) window.sessionStorage.setItem(FIRST_LOGIN_KEY, '1');
    else window.sessionStorage.removeItem(FIRST_LOGIN_KEY);
  } catch (error) {
    // Storage refused (private mode): the page then just shows less guidance.
  }
}

/** Whether this tab was sent to change a temporary password. */
export function isPasswordChangeRequired() {
  try {
    return window.sessionStorage.getItem(FIRST_LOGIN_KEY) === '1';
  } catch (error) {
    return false;
  }
}

/**
 * Follow the session rules for an API error: 401 → sign-in page; 403
 * `password_change_required` → password change page. Returns true when it navigated,
 * so the caller stops there.
 */
export function followSessionError(error, { onPasswordChangePage = false } = {}) {
  if (!(error instanceof ApiError)) return false;
  if (error.status === 401) {
    redirect(LOGIN_PAGE);
    return true;
  }
  if (error.status === 403 && error.code === 'password_change_required' && !onPasswordChangePage) {
    markPasswordChangeRequired(true);
    redirect(CHANGE_PASSWORD_PAGE);
    return true;
  }
  return false;
}

/** Whether the signed-in person is a staff member (false when that cannot be told). */
async function isStaff() {
  try {
    const me = await getMe();
    return Boolean(me && me.role === 'staff');
  } catch (error) {
    return false;
  }
}

/**
 * A staff member on a family page goes to the staff console: the family API answers them
 * 404 (the family-side resource does not exist for staff), or 403. Asks who is signed in
 * only after such an answer. Resolves to true when it navigated, so the caller stops there.
 */
export async function sendStaffToConsole(error) {
  if (!(error instanceof ApiError) || (error.status !== 403 && error.status !== 404)) return false;
  if (!(await isStaff())) return false;
  redirect(STAFF_HOME);
  return true;
}

/** The French text to show for any error (an ApiError carries the server's message). */
export function errorText(error) {
  if (error instanceof ApiError && error.message) return error.message;
  return 'Une erreur inattendue est survenue. Veuillez réessayer.';
}

/** The field an API error names in `details.field`, or null. */
export function errorField(error) {
  if (!(error instanceof ApiError) || !error.details || typeof error.details !== 'object') return null;
  return typeof error.details.field === 'string' ? error.details.field : null;
}

/**
 * Show an API error: the session rules first (returns true when it navigated away), then
 * the server's message in `messageArea` and, when `details.field` names a field inside
 * `form`, the same message next to that field.
 */
export function reportError(error, messageArea, form = null) {
  if (followSessionError(error)) return true;
  showMessage(messageArea, errorText(error));
  const field = errorField(error);
  if (form && field) showFieldError(form, field, errorText(error));
  return false;
}

/** Clear a form's message area and the messages next to its fields. */
export function clearErrors(messageArea, form = null) {
  if (messageArea) clearMessage(messageArea);
  if (form) clearFieldErrors(form);
}

/** Home page of a role. */
export function homeOf(role) {
  return role === 'staff' ? STAFF_HOME : FAMILY_HOME;
}

/** Wire the header's "Déconnexion" button: end the session, then go to the sign-in page. */
export function wireLogout() {
  const button = maybe('#logout');
  if (!button) return;
  button.addEventListener('click', async () => {
    button.disabled = true;
    markPasswordChangeRequired(false);
    try {
      await logout();
    } catch (error) {
      // Signed out already, or the server is down: the sign-in page is right either way.
    }
    redirect(LOGIN_PAGE);
  });
}
