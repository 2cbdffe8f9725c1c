/**
 * range.js — the "Du" / "Au" form shared by several console pages: default dates, the
 * address bar (?du=…&au=…) and the checks before asking the server.
 */
import { isIsoDate } from './format.js';
import { queryParam, replaceQuery } from './view.js';

/** Put the dates asked in the address bar, or the defaults, in the form's fields. */
export function initRange(form, defaults) {
  const from = queryParam('du');
  const to = queryParam('au');
  form.elements.from.value = isIsoDate(from) ? from : defaults.from;
  form.elements.to.value = isIsoDate(to) ? to : defaults.to;
}

/** The dates of the form, or {problem} in French when they cannot be used. */
export function readRange(form) {
  const from = form.elements.from.value;
  const to = form.elements.to.value;
  if (!isIsoDate(from) || !isIsoDate(to)) {
    return { problem: 'Indiquez les dates de début (« Du ») et de fin (« Au »).', field: isIsoDate(from) ? 'to' : 'from' };
  }
  if (from > to) return { problem: 'La date « Du » doit précéder la date « Au ».', field: 'to' };
  return { from, to };
}

/** Keep the dates shown in the address bar, so a reload shows the same period. */
export function rememberRange(range) {
  replaceQuery({ du: range.from, au: range.to });
}
