/**
 * confirmer-adresse.html#token=… — the link sent to a family's new second address: its
 * owner confirms it with one click (not on load: a mail scanner opening links must not
 * confirm an address for its owner).
 */
import { confirmEmail } from '../api.js';
import {
  $, clearMessage, focus, fragmentParam, replaceQuery, setBusy, show, showMessage,
} from '../view.js';
import { errorText } from '../common.js';

const NO_TOKEN = 'Ce lien de confirmation est incomplet. Copiez le lien entier depuis le courriel reçu.';

export function start() {
  const form = $('#confirm-form');
  const message = $('#confirm-message');
  const done = $('#confirm-done');

  // Keep the token in memory only, out of the address bar and of the history.
  const token = fragmentParam('token');
  if (token) replaceQuery({});
  if (!token) {
    showMessage(message, NO_TOKEN);
    show(form.querySelector('.actions'), false);
    return;
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearMessage(message);
    setBusy(form, true);
    try {
      const answer = await confirmEmail(token);
      $('#confirm-done-text').textContent = answer.message;
      show(form, false);
      show(done, true);
      focus(done.querySelector('a'));
    } catch (error) {
      setBusy(form, false);
      showMessage(message, errorText(error));
    }
  });
}
