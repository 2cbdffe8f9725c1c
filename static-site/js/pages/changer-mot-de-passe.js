/**
 * changer-mot-de-passe.html — replace the temporary password (first sign-in) or change it
 * from the home page.
 */
import { changePassword, getMe } from '../api.js';
import { $, clearMessage, redirect, setBusy, show, showMessage } from '../view.js';
import {
  FAMILY_HOME, errorText, followSessionError, homeOf, isPasswordChangeRequired,
  markPasswordChangeRequired, wireLogout,
} from '../common.js';

const MISMATCH = 'Les deux mots de passe ne correspondent pas.';

export function start() {
  wireLogout();
  const form = $('#change-form');
  const message = $('#change-message');
  const cancel = $('#change-cancel');
  let role = null;

  // First sign-in (or sent here by the server): explain, and offer no way around it.
  const showFirstLogin = () => {
    show($('#first-login-note'), true);
    show(cancel, false);
  };
  if (isPasswordChangeRequired()) showFirstLogin();

  // Who is signed in: sends a visitor to the sign-in page, and tells where "Annuler" leads.
  getMe()
    .then((me) => {
      role = me && me.role;
      cancel.href = homeOf(role);
      if (me && me.must_change_password) showFirstLogin();
    })
    .catch((error) => {
      if (followSessionError(error, { onPasswordChangePage: true })) return;
      if (error.status === 403 && error.code === 'password_change_required') showFirstLogin();
    });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearMessage(message);
    const current = form.elements.current_password.value;
    const password = form.elements.password.value;
    const confirmation = form.elements.confirm.value;
    if (!current || !password) {
      showMessage(message, 'Veuillez saisir votre mot de passe actuel et le nouveau.');
      return;
    }
    if (password !== confirmation) {
      showMessage(message, MISMATCH);
      form.elements.confirm.focus();
      return;
    }
    setBusy(form, true);
    try {
      await changePassword(current, password, form.elements.end_other_sessions.checked);
    } catch (error) {
      setBusy(form, false);
      if (followSessionError(error, { onPasswordChangePage: true })) return;
      showMessage(message, errorText(error));
      return;
    }
    markPasswordChangeRequired(false);
    // Changed: go home (the staff's home if GET /api/auth/me says so).
    try {
      const me = await getMe();
      redirect(homeOf(me && me.role));
    } catch (error) {
      if (followSessionError(error, { onPasswordChangePage: true })) return;
      redirect(role ? homeOf(role) : FAMILY_HOME);
    }
  });
}
