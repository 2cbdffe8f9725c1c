/**
 * courriels.html — the local demo outbox: the e-mails the portal would have sent
 * (credentials, reset links), newest first. Exists only on the local stack.
 */
import { getOutbox } from '../api.js';
import { outboxMessage } from '../templates.js';
import {
  $, clearMessage, render, setBusy, showMessage,
} from '../view.js';
import { errorText } from '../common.js';

export function start() {
  const refresh = $('#refresh');
  refresh.addEventListener('click', () => load(refresh));
  load(refresh);
}

async function load(button) {
  const area = $('#outbox');
  const message = $('#outbox-message');
  clearMessage(message);
  setBusy(button, true);
  area.setAttribute('aria-busy', 'true');
  try {
    const messages = await getOutbox();
    const list = Array.isArray(messages) ? messages : [];
    render(area, list.length
      ? list.map((m, i) => outboxMessage(m || {}, i)).join('')
      : '<p class="empty">Aucun courriel envoyé pour le moment.</p>');
  } catch (error) {
    render(area, '');
    showMessage(message, error.status === 404
      ? 'Cette boîte d\'envoi n\'existe que sur la démonstration locale.'
      : errorText(error));
  } finally {
    area.removeAttribute('aria-busy');
    setBusy(button, false);
  }
}
