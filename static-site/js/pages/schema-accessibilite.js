/**
 * schema-accessibilite.html — the multi-year accessibility plan (schéma pluriannuel),
 * one section a year with its actions, from the commune's settings.
 */
import { fill, loadNotices, slot, writeContact } from '../legal.js';

export async function start() {
  const data = await loadNotices();
  const a = data && data.accessibility;
  if (!a) return;
  fill('status-label', a.status_label);
  const plan = slot('plan');
  const years = Array.isArray(a.plan) ? a.plan : [];
  if (plan && years.length) {
    const list = document.createElement('dl');
    years.forEach((entry) => {
      const year = document.createElement('dt');
      year.textContent = String(entry.year);
      const actions = document.createElement('dd');
      actions.className = 'preserve-lines';
      actions.textContent = entry.actions;
      list.append(year, actions);
    });
    plan.replaceChildren(list);
  }
  writeContact(slot('contact'), a.contact, 'Pour toute question : ');
}
