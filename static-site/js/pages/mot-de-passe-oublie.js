/**
 * mot-de-passe-oublie.html — ask for a reset link. The answer is the same whether the
 * address is known or not, so the page only repeats the server's message.
 */
import { forgotPassword } from '../api.js';
import { $, clearMessage, setBusy, showMessage } from '../view.js';
import { errorText } from '../common.js';

const DEFAULT_ANSWER = 'Si cette adresse est connue, un lien de réinitialisation vient de lui être envoyé.';

export function start() {
  const form = $('#forgot-form');
  const message = $('#forgot-message');

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearMessage(message);
    const email = form.elements.email.value.trim();
    if (!email) {
      showMessage(message, 'Veuillez saisir votre adresse email.');
      return;
    }
    setBusy(form, true);
    try {
      const answer = await forgotPassword(email);
      showMessage(message, (answer && answer.message) || DEFAULT_ANSWER, 'success');
      form.elements.email.value = '';
    } catch (error) {
      showMessage(message, errorText(error));
    } finally {
      setBusy(form, false);
    }
  });
}
