/**
 * family-common.js — start of the family pages: "Déconnexion", then the signed-in
 * family (GET /api/family). A visitor goes to the sign-in page, a staff member to the
 * staff console.
 */
import { getFamily } from './api.js';
import { showMessage } from './view.js';
import {
  errorText, followSessionError, sendStaffToConsole, wireLogout,
} from './common.js';

/** The family, or null when the page must stop (sent elsewhere, or the error shown). */
export async function startFamilyPage(pageMessage) {
  wireLogout();
  try {
    return await getFamily();
  } catch (error) {
    if (followSessionError(error)) return null;
    if (await sendStaffToConsole(error)) return null;
    showMessage(pageMessage, errorText(error));
    return null;
  }
}
