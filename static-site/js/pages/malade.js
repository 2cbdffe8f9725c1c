/**
 * malade.html — « Enfant malade »: for each child, report a booked day sick (after the
 * change deadline, until the commune's cut-off) and hand in the medical certificate.
 * Its own page: the home page stays one API call (tests/site/test_page_weight.py).
 */
import { getFamily } from '../api.js';
import { $, render, showMessage } from '../view.js';
import {
  errorText, followSessionError, sendStaffToConsole, wireLogout,
} from '../common.js';
import { startSickSection } from '../sick.js';

export async function start() {
  wireLogout();
  let family;
  try {
    family = await getFamily();
  } catch (error) {
    if (followSessionError(error) || (await sendStaffToConsole(error))) return;
    showMessage($('#page-message'), errorText(error));
    return;
  }
  const children = (family.children || []).filter((c) => !c.archived);
  if (!children.length) {
    showMessage($('#page-message'), "Aucun enfant n'est inscrit.", 'info');
    return;
  }
  const shown = await startSickSection(children, family.today);
  if (!shown) {
    render($('#sick'), '');
    showMessage($('#page-message'), "La commune ne prend pas les signalements de maladie en ligne : prévenez la mairie.", 'info');
  }
}
