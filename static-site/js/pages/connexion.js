/** connexion.html — sign in with a family number or an e-mail address. */
import { login } from '../api.js';
import { $, clearMessage, redirect, setBusy, showMessage } from '../view.js';
import {
  CHANGE_PASSWORD_PAGE, errorText, homeOf, markPasswordChangeRequired,
} from './common.js';

export function start() {
  const form = $('#login-form');
  const message = $('#login-message');

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearMessage(message);
    const loginName = form.elements.login.value.trim();
    const password = form.elements.password.value;
    if (!loginName || !password) {
      showMessage(message, 'Veuillez saisir votre n° de famille ou adresse mail et votre mot de passe.');
      return;
    }
    setBusy(form, true);
    try {
      const session = await login(loginName, password);
      markPasswordChangeRequired(Boolean(session && session.must_change_password));
      redirect(session && session.must_change_password ? CHANGE_PASSWORD_PAGE : homeOf(session && session.role));
    } catch (error) {
      setBusy(form, false);
      form.elements.password.value = '';
      showMessage(message, errorText(error));
      form.elements.password.focus();
    }
  });
}
