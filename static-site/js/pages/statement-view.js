/**
 * statement-view.js — the "Relevé de compte" block shared by the family home page and the
 * staff's family page: the balance sentence, the table of the 5 latest lines, the sentence
 * "Liste des 5 derniers mouvements." and "Afficher tout", which loads every line in place.
 */
import { statementTable } from '../templates.js';
import {
  clearMessage, focus, render, show,
} from '../view.js';
import { reportError } from './common.js';

/** How many lines show before "Afficher tout". */
export const RECENT_LINES = 5;

/**
 * Wire a statement block. `ui` = {balance, meaning (optional), table, footer (optional),
 * sentence, button, message}; `load(limit)` resolves to the API's statement (limit null: every line);
 * `balanceHtml(cents)` (template-built HTML) and `meaningText(cents)` (text) word the balance.
 * Returns {refresh}: refresh() resolves to false when the page navigated away.
 */
export function statementView(ui, {
  load, balanceHtml, meaningText = () => '', invoiceHref = null, caption = 'Relevé de compte',
}) {
  let showAll = false;
  let seq = 0;

  function draw(answer) {
    const lines = Array.isArray(answer && answer.lines) ? answer.lines : [];
    const cents = Number(answer && answer.balance_cents) || 0;
    render(ui.balance, balanceHtml(cents));
    show(ui.balance, true);
    if (ui.meaning) {
      const meaning = meaningText(cents);
      ui.meaning.textContent = meaning;
      show(ui.meaning, Boolean(meaning));
    }
    render(ui.table, statementTable(lines, { caption, invoiceHref }));
    const total = Number(answer && answer.total);
    ui.sentence.textContent = showAll
      ? `Liste de tous les mouvements (${Number.isFinite(total) ? total : lines.length}).`
      : `Liste des ${RECENT_LINES} derniers mouvements.`;
    show(ui.button, !showAll);
    if (ui.footer) show(ui.footer, true);
  }

  async function refresh() {
    const mine = ++seq;
    ui.table.setAttribute('aria-busy', 'true');
    try {
      const answer = await load(showAll ? null : RECENT_LINES);
      if (mine === seq) {
        clearMessage(ui.message);
        draw(answer);
      }
      return true;
    } catch (error) {
      if (mine !== seq) return true;
      if (reportError(error, ui.message)) return false;
      if (!ui.table.querySelector('table')) render(ui.table, '');
      return true;
    } finally {
      if (mine === seq) ui.table.removeAttribute('aria-busy');
    }
  }

  ui.button.addEventListener('click', async () => {
    showAll = true;
    ui.button.disabled = true;
    await refresh();
    ui.button.disabled = false;
    // Still there: the full list could not be read (the message says why); try again later.
    if (!ui.button.hidden) showAll = false;
    else focus(ui.sentence);
  });

  return { refresh };
}
