/**
 * reinitialiser.html#token=… — the e-mailed single-use link: choose a new password.
 * No automatic sign-in afterwards: the parent signs in with the new password.
 */
import { resetPassword } from '../api.js';
import {
  $, clearMessage, focus, fragmentParam, queryParam, replaceQuery, setBusy, show, showMessage,
} from '../view.js';
import { errorText } from '../common.js';

const MISMATCH = 'Les deux mots de passe ne correspondent pas.';
const NO_TOKEN = 'Ce lien de réinitialisation est incomplet. Veuillez demander un nouveau lien depuis la page « Mot de passe oublié ».';

export function start() {
  const form = $('#reset-form');
  const message = $('#reset-message');
  const done = $('#reset-done');
  const links = $('#reset-links');

  // Keep the token in memory only, out of the address bar and of the history. Links
  // carry it after "#" (never sent to a server); "?token=" is the older form.
  const token = fragmentParam('token') || queryParam('token');
  if (token) replaceQuery({});

  if (!token) {
    show(form, false);
    const note = $('#reset-message');
    form.after(note);
    showMessage(note, NO_TOKEN);
    return;
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearMessage(message);
    const password = form.elements.password.value;
    const confirmation = form.elements.confirm.value;
    if (!password) {
      showMessage(message, 'Veuillez saisir un nouveau mot de passe.');
      return;
    }
    if (password !== confirmation) {
      showMessage(message, MISMATCH);
      form.elements.confirm.focus();
      return;
    }
    setBusy(form, true);
    try {
      await resetPassword(token, password);
      form.reset();
      show(form, false);
      show(links, false);
      show(done, true);
      focus(done.querySelector('a'));
    } catch (error) {
      setBusy(form, false);
      showMessage(message, errorText(error));
    }
  });
}
