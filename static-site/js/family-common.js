/**
 * family-common.js — start of the family pages: "Déconnexion", then the signed-in
 * family (GET /api/family). A visitor goes to the sign-in page, a staff member to the
 * staff console.
 */
import { getFamily, getMe } from './api.js';
import { redirect, showMessage } from './view.js';
import {
  STAFF_HOME, errorText, followSessionError, wireLogout,
} from './common.js';

async function isStaff() {
  try {
    const me = await getMe();
    return Boolean(me && me.role === 'staff');
  } catch (error) {
    return false;
  }
}

/** The family, or null when the page must stop (sent elsewhere, or the error shown). */
export async function startFamilyPage(pageMessage) {
  wireLogout();
  try {
    return await getFamily();
  } catch (error) {
    if (followSessionError(error)) return null;
    if (error.status === 403 && (await isStaff())) {
      redirect(STAFF_HOME);
      return null;
    }
    showMessage(pageMessage, errorText(error));
    return null;
  }
}
