/**
 * legal.js — what the three public legal pages share (« Déclaration d'accessibilité »,
 * « Schéma pluriannuel », « Données personnelles »): they read the commune's settings
 * from GET /api/commune/legal (no sign-in) and write them into the page's
 * `[data-fill]` slots as text (never as HTML: the commune types these words).
 */
import { getLegalNotices } from './api.js';
import { errorText } from './common.js';
import { maybe, showMessage } from './view.js';

/** The page's slot named `name`, or null. */
export function slot(name) {
  return maybe(`[data-fill="${name}"]`);
}

/** Put `text` in the slot `name` (when the slot exists and the text is not empty). */
export function fill(name, text) {
  const element = slot(name);
  if (element && typeof text === 'string' && text) element.textContent = text;
  return element;
}

/** 15 septembre 2026 (a date written in full, as a statement reads). */
export function longDate(iso) {
  const [year, month, day] = String(iso).split('-').map(Number);
  if (!year || !month || !day) return '';
  return new Date(Date.UTC(year, month - 1, day, 12)).toLocaleDateString('fr-FR', {
    day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC',
  });
}

/**
 * Write how to reach the town hall into `element`: a mailto link for an address, a link
 * for a form, else leave the page's own sentence.
 */
export function writeContact(element, contact, intro) {
  if (!element || typeof contact !== 'string' || !contact) return;
  const link = document.createElement('a');
  if (contact.startsWith('https://')) {
    link.href = contact;
    link.textContent = 'formulaire de contact de la mairie';
  } else {
    link.href = `mailto:${contact}`;
    link.textContent = contact;
  }
  element.replaceChildren(document.createTextNode(intro), link, document.createTextNode('.'));
}

/** Load the notices; on failure, say so and leave the page's default sentences. */
export async function loadNotices() {
  try {
    const data = await getLegalNotices();
    if (data && typeof data.name === 'string') {
      document.querySelectorAll('[data-fill="commune"]').forEach((element) => {
        element.textContent = data.name;
      });
    }
    return data;
  } catch (error) {
    const message = maybe('#legal-message');
    if (message) showMessage(message, errorText(error));
    return null;
  }
}
