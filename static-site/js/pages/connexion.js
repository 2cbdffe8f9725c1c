/** connexion.html — sign in with a family number or an e-mail address. */
import { login } from '../api.js';
import { $, clearMessage, redirect, setBusy, showMessage } from '../view.js';
import {
  CHANGE_PASSWORD_PAGE, errorText, homeOf, markPasswordChangeRequired,
} from '../common.js';

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
      if (error.status === 429) showWait(form, message, error);
      form.elements.password.focus();
    }
  });
}

/**
 * Too many tries: the message says how long to wait (the server words it); a link leads
 * to "Mot de passe oublié ?", and "Connexion" stays off until the wait is over.
 */
function showWait(form, message, error) {
  const link = document.createElement('a');
  link.href = 'mot-de-passe-oublie.html';
  link.textContent = 'Choisir un nouveau mot de passe';
  message.append(' ', link);
  const seconds = Number(error.details && error.details.retry_after_seconds);
  const button = form.querySelector('button[type="submit"]');
  if (!button || !Number.isFinite(seconds) || seconds <= 0) return;
  button.disabled = true;
  window.setTimeout(() => { button.disabled = false; }, Math.min(seconds, 3600) * 1000);
}
