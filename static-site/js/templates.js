/**
 * templates.js — HTML strings for the parts of pages built from server data.
 *
 * Every value that comes from a person or the server goes through escapeHtml, in text
 * and in attributes (all attributes are double-quoted). No inline style or handler:
 * looks come from classes in css/site.css, behaviour from the page controllers.
 */
import { formatDotDate, formatLongDate, formatMoney, formatMonth, isIsoMonth, waitingText } from './format.js';

const HTML_ESCAPES = {
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;',
};

/** Escape any value for HTML text or a double-quoted attribute. */
export function escapeHtml(value) {
  if (value === null || value === undefined) return '';
  return String(value).replace(/[&<>"'`]/g, (ch) => HTML_ESCAPES[ch]);
}

const e = escapeHtml;

// --- Home page: "Inscriptions en cours" --------------------------------------------------

/** "14 repas, 6 garderies": a month's booked sessions, the two garderies counted together. */
export function monthCounts(services, days) {
  const count = (code) => days.filter((d) => (d.services || []).includes(code)).length;
  const parts = [];
  const care = services.filter((s) => /^care_/.test(s.code));
  for (const service of services) {
    if (/^care_/.test(service.code)) {
      if (service !== care[0]) continue;
      const n = care.reduce((sum, s) => sum + count(s.code), 0);
      if (n) parts.push(`${n} ${n >= 2 ? 'garderies' : 'garderie'}`);
    } else {
      const n = count(service.code);
      if (!n) continue;
      const label = service.label.toLocaleLowerCase('fr-FR');
      parts.push(service.code === 'meal' ? `${n} repas` : `${n} × ${label}`);
    }
  }
  return parts.join(', ');
}

/**
 * A child's upcoming bookings summed up per month ("Décembre 2026 : 14 repas,
 * 6 garderies"), each month a link to its grid: a year booked is a dozen lines, not 150.
 * `days` may be null when the bookings list is unavailable (no list then).
 */
export function childSummary(child, services, days) {
  const headingId = `child-${e(child.id)}-name`;
  const grid = (month) => `inscriptions.html?enfant=${e(encodeURIComponent(child.id))}${month ? `&amp;mois=${e(month)}` : ''}`;
  let body = '';
  if (days !== null && !days.length) {
    body = '<p class="empty">Aucune inscription à venir.</p>';
  } else if (days !== null) {
    const months = new Map();
    for (const day of days) {
      const month = String(day.date).slice(0, 7);
      if (!months.has(month)) months.set(month, []);
      months.get(month).push(day);
    }
    const items = [...months.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([month, list]) => {
      const name = monthText(month);
      const title = name.charAt(0).toLocaleUpperCase('fr-FR') + name.slice(1);
      const counts = monthCounts(services, list);
      const labels = new Map(services.map((s) => [s.code, s.label]));
      const waiting = list.flatMap((day) => (day.waiting || []).map((w) => `${labels.get(w.service) || w.service} le ${formatDotDate(day.date)} (${waitingText(w.rank)})`));
      const waitingLine = waiting.length ? `<br><span class="waiting">En liste d'attente : ${e(waiting.join(' ; '))}</span>` : '';
      return `<li><a href="${grid(month)}" aria-describedby="${headingId}">${e(title)}</a> : ${e(counts || 'aucune inscription confirmée')}${waitingLine}</li>`;
    }).join('');
    body = `<ul class="month-summary" aria-label="Inscriptions en cours de ${e(child.first_name)} par mois">${items}</ul>`;
  }
  return `<article class="child-card" aria-labelledby="${headingId}">
<h3 id="${headingId}">${e(child.first_name)}</h3>
${body}
<p><a class="button-link" href="${grid(null)}" aria-describedby="${headingId}">Ajouter des inscriptions</a></p>
</article>`;
}

/** The family's details under the welcome line. */
export function familyDetails(family) {
  const lines = [];
  if (family.number !== undefined && family.number !== null && family.number !== '') {
    lines.push(`<div><dt>N° de famille</dt><dd>${e(family.number)}</dd></div>`);
  }
  const emails = (family.emails || []).filter(Boolean);
  if (emails.length) {
    lines.push(`<div><dt>Adresse${emails.length > 1 ? 's' : ''} mail</dt><dd>${emails.map(e).join('<br>')}</dd></div>`);
  }
  const phones = (family.phones || []).filter(Boolean);
  if (phones.length) {
    lines.push(`<div><dt>Téléphone</dt><dd>${phones.map(e).join('<br>')}</dd></div>`);
  }
  if (family.address) {
    lines.push(`<div><dt>Adresse</dt><dd class="address">${e(family.address)}</dd></div>`);
  }
  return lines.length ? `<dl class="details">${lines.join('')}</dl>` : '';
}

// --- Account statement ("Relevé de compte") and invoices -----------------------------------

function money(cents) {
  return `<span class="money">${e(formatMoney(cents))}</span>`;
}

/** "Votre solde à ce jour est de 5,50 €" (HTML: the amount stays on one line). */
export function balanceSentence(cents) {
  return `Votre solde à ce jour est de ${money(cents)}`;
}

/** What a balance means for the family, in plain words ('' when it is zero). */
export function balanceMeaning(cents) {
  const value = Number(cents) || 0;
  if (value > 0) return 'Ce montant reste à régler.';
  if (value < 0) return 'Ce montant est en votre faveur.';
  return '';
}

/** Said after the name of every invoice link (one per page: the links share its id). */
const PDF_HINT = '<p id="pdf-hint" class="hint">Les factures (PDF) s\'ouvrent dans un nouvel onglet.</p>';

/** "2026-11" → "novembre 2026" (the text itself when it is not a month). */
export function monthText(month) {
  return isIsoMonth(month) ? formatMonth(month) : String(month ?? '');
}

/*
 * The statement and invoice tables become stacked cards on a phone (css/site.css). The
 * explicit roles keep them tables for screen readers whatever their CSS display.
 */

/** A header row of `columns` = [{text, cls?, hidden?}]. */
export function headRow(columns) {
  const cells = columns.map((c) => {
    const cls = c.cls ? ` class="${e(c.cls)}"` : '';
    const text = c.hidden ? `<span class="visually-hidden">${e(c.text)}</span>` : e(c.text);
    return `<th scope="col" role="columnheader"${cls}>${text}</th>`;
  }).join('');
  return `<thead role="rowgroup"><tr role="row">${cells}</tr></thead>`;
}

/** A data cell labelled with its column (for the stacked phone layout). */
export function cell(label, html, cls = '') {
  return `<td role="cell" data-label="${e(label)}"${cls ? ` class="${e(cls)}"` : ''}>${html}</td>`;
}

const STATEMENT_COLUMNS = [
  { text: 'Date' }, { text: 'Type' }, { text: 'Référence' }, { text: 'Facture' },
  { text: 'Débit', cls: 'num' }, { text: 'Crédit', cls: 'num' }, { text: 'Solde', cls: 'num' },
];

/**
 * The "Relevé de compte" table, as in the guide: Date | Type | Référence | Facture | Débit |
 * Crédit | Solde, lines newest first as given. `invoiceHref(number)` (optional) turns the
 * invoice number into a link to its PDF.
 */
export function statementTable(lines, { caption = 'Relevé de compte', invoiceHref = null } = {}) {
  if (!lines.length) return '<p class="empty">Aucun mouvement.</p>';
  const rows = lines.map((line) => {
    // The opening line reads "SOLDE A CE JOUR" once, in the "Type" column (as in the guide).
    const reference = line.reference && line.reference !== line.type_label ? line.reference : '';
    let invoice = '';
    if (line.invoice) {
      invoice = invoiceHref
        ? `<a href="${e(invoiceHref(line.invoice))}" target="_blank" rel="noopener" aria-describedby="pdf-hint">${e(line.invoice)}</a>`
        : e(line.invoice);
    }
    return `<tr role="row" class="line is-${e(line.type)}">
${cell('Date', e(formatDotDate(line.date)), 'nowrap st-date')}
${cell('Type', e(line.type_label || line.type), 'st-type')}
${cell('Référence', e(reference), `st-ref${reference ? '' : ' is-blank'}`)}
${cell('Facture', invoice, `nowrap st-invoice${invoice ? '' : ' is-blank'}`)}
${cell('Débit', money(line.debit_cents), 'num st-debit')}
${cell('Crédit', money(line.credit_cents), 'num st-credit')}
${cell('Solde', money(line.balance_cents), 'num st-balance')}
</tr>`;
  }).join('');
  return `<div class="table-scroll" tabindex="0"><table class="data-table statement stackable" role="table">
<caption class="visually-hidden">${e(caption)}</caption>
${headRow(STATEMENT_COLUMNS)}
<tbody role="rowgroup">${rows}</tbody></table></div>
${invoiceHref && lines.some((l) => l.invoice) ? PDF_HINT : ''}`;
}

/** An invoice's state for people: "À payer", "Partiellement payée", "Payée", "Annulée". */
export const INVOICE_STATUSES = {
  unpaid: { text: 'À payer', cls: 'is-unpaid' },
  partial: { text: 'Partiellement payée', cls: 'is-partial' },
  paid: { text: 'Payée', cls: 'is-paid' },
  cancelled: { text: 'Annulée', cls: 'is-cancelled' },
};

/** Whether something remains to pay on an invoice. */
/** Whether the invoice was issued in titres mode (the Treasury collects it). */
export function isTitre(invoice) {
  return invoice.collection === 'titres';
}

const TITRE_ROW_NOTE = 'Détail de facturation : à payer au Trésor public avec l\'avis des sommes à payer qu\'il vous enverra.';

export function isPayable(invoice) {
  return (invoice.status === 'unpaid' || invoice.status === 'partial')
    && Number(invoice.remaining_cents ?? invoice.total_cents) > 0;
}

/**
 * The state badge of an invoice, with what remains of a partly paid one, or the credit
 * note that cancelled it.
 */
export function invoiceStatus(invoice) {
  const status = INVOICE_STATUSES[invoice.status] || { text: String(invoice.status ?? ''), cls: '' };
  let note = '';
  if (invoice.status === 'cancelled' && invoice.credit_note) {
    note = `<span class="invoice-note">par l'avoir ${e(invoice.credit_note)}</span>`;
  } else if (invoice.status === 'partial') {
    note = `<span class="invoice-note">reste ${money(invoice.remaining_cents)} à payer</span>`;
  }
  return `<span class="badge ${status.cls}">${e(status.text)}</span>${note}`;
}

/** N° | Période | Date | Montant | État | (actions): the start of an invoice row. */
export function invoiceCells(inv) {
  return `<th scope="row" role="rowheader" class="nowrap inv-number">${e(inv.number)}</th>
${cell('Période', e(monthText(inv.month)), 'inv-month')}
${cell('Date', e(formatDotDate(inv.issued_on)), 'nowrap inv-date')}
${cell('Montant', money(inv.total_cents), 'num inv-total')}
${cell('État', invoiceStatus(inv), 'inv-status')}`;
}

export const INVOICE_COLUMNS = [
  { text: 'N°' }, { text: 'Période' }, { text: 'Date' }, { text: 'Montant', cls: 'num' },
  { text: 'État' },
];

/**
 * The family's invoices ("Mes factures"): N° | Période | Date | Montant | État, then
 * "Télécharger (PDF)" and, while something remains to pay, "Payer en ligne".
 */
/** "2027-01-11" → « Prélèvement le 11/01 » (« prélevée le 11/01 » once sent). */
export function debitText(debit) {
  const m = /^\d{4}-(\d{2})-(\d{2})$/.exec(String(debit.date ?? ''));
  const day = m ? `${m[2]}/${m[1]}` : String(debit.date ?? '');
  return debit.status === 'transmis' ? `Prélèvement transmis pour le ${day}` : `Prélèvement le ${day}`;
}

export function familyInvoicesTable(invoices, pdfHref) {
  if (!invoices.length) return '<p class="empty">Aucune facture pour le moment.</p>';
  const rows = invoices.map((inv) => {
    const id = inv.id ?? inv.number;
    // Issued in titres mode: a « détail de facturation », paid to the Trésor public on
    // its avis des sommes à payer, never through the commune's PayFip.
    const titre = isTitre(inv);
    // The name starts with the visible words (WCAG 2.5.3), then says which invoice and
    // how much PayFip will ask: what remains of it.
    // Paid by direct debit: « Prélèvement le JJ/MM » instead of « Payer en ligne », until
    // the bank rejects it (the button then comes back).
    const debit = inv.debit && inv.debit.pending ? inv.debit : null;
    const pay = isPayable(inv) && !titre && !debit
      ? `<button type="button" class="primary pay-invoice" data-invoice-id="${e(id)}" aria-label="Payer en ligne la facture ${e(inv.number)} : ${e(formatMoney(inv.remaining_cents ?? inv.total_cents))}">Payer en ligne</button>`
      : '';
    const note = debit
      ? `<p class="debit-note">${e(debitText(debit))}</p>`
      : titre && isPayable(inv)
        ? `<p class="titre-note">${e(TITRE_ROW_NOTE)}</p>`
        : '';
    const what = titre ? 'le détail de facturation' : 'la facture';
    const actions = `<div class="row-actions"><a class="button-link is-secondary" href="${e(pdfHref(id))}" target="_blank" rel="noopener" aria-label="Télécharger ${what} ${e(inv.number)}" aria-describedby="pdf-hint">Télécharger (PDF)</a>${pay}</div>${note}`;
    return `<tr role="row" class="invoice is-${e(inv.status)}">
${invoiceCells(inv)}
${cell('Actions', actions, 'inv-actions')}
</tr>`;
  }).join('');
  return `<div class="table-scroll" tabindex="0"><table class="data-table invoices stackable" role="table">
<caption class="visually-hidden">Mes factures</caption>
${headRow([...INVOICE_COLUMNS, { text: 'Actions', hidden: true }])}
<tbody role="rowgroup">${rows}</tbody></table></div>
${PDF_HINT}`;
}

// --- Booking page ----------------------------------------------------------------------

function weekHeader(week, services) {
  const cols = services.map((s) => `<th scope="col" class="service-col">${e(s.label)}</th>`).join('');
  return `<tr class="week-head"><th scope="col" class="week-col">Semaine</th><th scope="col" class="date-col">Date</th>${cols}</tr>`;
}

function deadlineLine(deadline) {
  if (!deadline) return '';
  return deadline.passed
    ? '<span class="deadline is-passed">date limite dépassée</span>'
    : `<span class="deadline">jusqu'au ${e(deadline.text)}</span>`;
}

/** Why a box is greyed, visible beside it ("verrouillé", "date limite dépassée (…)"). */
function reasonLine(id, reason) {
  if (!reason) return '';
  return `<span class="why" id="${e(id)}">${e(reason.label)}</span>`;
}

function serviceCell(day, cell) {
  const classes = ['service'];
  if (cell.checked) classes.push('is-booked');
  if (!cell.editable) classes.push('is-disabled');
  if (cell.changed) classes.push('is-changed');
  // The reason is said by the cell or by the day's row: the box points at it, so a screen
  // reader reads "Repas lundi 30 novembre 2026, case grisée : verrouillé".
  const whyId = cell.showWhy ? `why-${day.date}-${cell.code}` : (day.reason ? `why-${day.date}` : '');
  const describedBy = !cell.editable && whyId ? ` aria-describedby="${e(whyId)}"` : '';
  const title = !cell.editable && cell.why ? ` title="${e(cell.why.label)}"` : '';
  const input = `<input type="checkbox" class="tick-box" data-date="${e(day.date)}" data-service="${e(cell.code)}" aria-label="${e(cell.ariaLabel)}"${describedBy}${cell.checked ? ' checked' : ''}${cell.editable ? '' : ' disabled'}>`;
  // Still ticked as saved: the waiting list's place; unticked, it will leave the list.
  const waiting = cell.waitingRank && cell.checked && !cell.changed
    ? `<span class="waiting">${e(waitingText(cell.waitingRank))}</span>` : '';
  return `<td class="${classes.join(' ')}"${title}><label class="tick">${input}</label>${waiting}${cell.showWhy ? reasonLine(`why-${day.date}-${cell.code}`, cell.why) : ''}${deadlineLine(cell.deadline)}</td>`;
}

function dayRow(day, weekLabel) {
  const classes = ['day'];
  if (day.isHoliday) classes.push('is-holiday');
  if (day.anyChecked) classes.push('is-booked');
  if (!day.isSchoolDay && !day.isHoliday) classes.push('is-off');
  const notes = day.notes.map((n) => `<span class="day-note">${e(n)}</span>`).join('');
  const cells = day.cells.map((cell) => serviceCell(day, cell)).join('');
  const title = day.reason ? ` title="${e(day.reason.label)}"` : (day.notes.length ? ` title="${e(day.notes.join(' – '))}"` : '');
  return `<tr class="${classes.join(' ')}" data-date="${e(day.date)}">
<td class="week-col">${e(weekLabel)}</td>
<th scope="row" class="date-col"${title}><span class="date-text"><span class="date-long">${e(day.dateText)}</span><span class="date-short" aria-hidden="true">${e(day.shortText || '')}</span></span>${notes}${reasonLine(`why-${day.date}`, day.reason)}${deadlineLine(day.deadline)}${dayMenu(day.menu)}</th>
${cells}</tr>`;
}

/**
 * The booking grid: one tbody per ISO week, each with its own header row
 * ("Semaine", "Date", services), as in the Saint-Just-d'Avray guide.
 */
export function bookingGrid(weeks, services, caption) {
  if (!weeks.length) {
    return '<p class="empty">Aucun jour à afficher pour cette période.</p>';
  }
  const bodies = weeks.map((week) => {
    const rows = week.days.map((day, i) => dayRow(day, i === 0 ? String(week.week) : '')).join('');
    return `<tbody class="week">${weekHeader(week, services)}${rows}</tbody>`;
  }).join('');
  return `<table class="calendar"><caption class="visually-hidden">${e(caption)}</caption>${bodies}</table>`;
}

/** The service checkboxes of the period form. */
export function periodServices(services) {
  return services.map((s) => `<label class="choice"><input type="checkbox" name="service" value="${e(s.code)}"> ${e(s.label)}</label>`).join('');
}

/** "Appliquer aussi à : <prénom>" checkboxes, one per other child of the family. */
export function otherChildren(children) {
  return children.map((c) => `<label class="choice"><input type="checkbox" name="also-child" value="${e(c.id)}" data-first-name="${e(c.first_name)}"> Appliquer aussi à : ${e(c.first_name)}</label>`).join('');
}

/** A message made of an optional lead sentence and a list of lines. */
export function messageWithList(lead, items) {
  const list = items.length ? `<ul>${items.map((i) => `<li>${e(i)}</li>`).join('')}</ul>` : '';
  return `${lead ? `<p>${e(lead)}</p>` : ''}${list}`;
}

/** Several paragraphs (one per child report, for instance). */
export function paragraphs(blocks) {
  return blocks.map((b) => (b.items && b.items.length
    ? messageWithList(b.text, b.items)
    : `<p>${e(b.text)}</p>`)).join('');
}

// --- Menus -------------------------------------------------------------------------------

function allergenTags(codes, allergens) {
  const list = (codes || []).filter(Boolean);
  if (!list.length) return '';
  const tags = list.map((c) => `<span class="allergen-tag">${e(allergens[c] || c)}</span>`).join('');
  return ` <span class="allergen-tags"><span class="visually-hidden">Allergènes :</span>${tags}</span>`;
}

/** The week's menus for parents: per day its dishes, allergens, "Menu végétarien". */
export function menuWeek(days, allergens) {
  if (!days.length) return '<p class="empty">Aucun menu n\'a encore été publié pour cette semaine.</p>';
  return days.map((day) => {
    const id = `menu-${e(day.date)}`;
    const veg = day.vegetarian ? '<p><span class="badge is-veg">Menu végétarien</span></p>' : '';
    const dishes = (day.dishes || []).filter((d) => d && d.name);
    const list = dishes.length
      ? `<ul class="dishes">${dishes.map((d) => `<li>${e(d.name)}${allergenTags(d.allergens, allergens)}</li>`).join('')}</ul>`
      : '<p class="empty">Menu non communiqué.</p>';
    return `<article class="menu-day${day.vegetarian ? ' is-veg' : ''}" aria-labelledby="${id}">
<h3 id="${id}">${e(formatLongDate(day.date))}</h3>
${veg}${list}
</article>`;
  }).join('');
}

/** A day's menu in one short line, for the booking grid ("Menu végétarien" first). */
export function dayMenu(menu) {
  if (!menu) return '';
  const names = (menu.dishes || []).map((d) => d && d.name).filter(Boolean);
  if (!names.length && !menu.vegetarian) return '';
  const veg = menu.vegetarian ? '<span class="veg-mark">Menu végétarien</span>' : '';
  return `<span class="day-menu"><span class="visually-hidden">Menu : </span>${veg}${veg && names.length ? ' ' : ''}${e(names.join(' · '))}</span>`;
}

// --- "Vos informations" --------------------------------------------------------------------

/** What the family cannot change itself: number, name, main e-mail, children. */
export function familyIdentity(family) {
  const lines = [];
  lines.push(`<div><dt>N° de famille</dt><dd>${e(family.number)}</dd></div>`);
  lines.push(`<div><dt>Nom</dt><dd>${e(family.name)}</dd></div>`);
  const main = (family.emails || [])[0];
  if (main) lines.push(`<div><dt>Adresse mail</dt><dd>${e(main)}</dd></div>`);
  const children = (family.children || []).map((c) => [c.first_name, c.last_name].filter(Boolean).join(' '));
  if (children.length) lines.push(`<div><dt>Enfant${children.length > 1 ? 's' : ''}</dt><dd>${children.map(e).join('<br>')}</dd></div>`);
  return `<dl class="details">${lines.join('')}</dl>
<p class="hint">Pour changer ces informations ou l'adresse mail principale, adressez-vous à la mairie.</p>`;
}

// --- Demo outbox -----------------------------------------------------------------------

const URL_PATTERN = /https?:\/\/[^\s<>"'`]+/g;

/** Only absolute http(s) URLs become links; anything else stays text. */
function safeHref(candidate) {
  try {
    const url = new URL(candidate);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch (err) {
    return null;
  }
}

/** Plain text with its http(s) URLs turned into links, everything escaped. */
export function linkifiedText(text) {
  const source = String(text ?? '');
  let html = '';
  let last = 0;
  for (const match of source.matchAll(URL_PATTERN)) {
    let url = match[0];
    // Punctuation closing a sentence is not part of the address.
    const trailing = /[.,;:!?)\]]+$/.exec(url);
    if (trailing) url = url.slice(0, -trailing[0].length);
    const start = match.index;
    const href = safeHref(url);
    html += e(source.slice(last, start));
    html += href
      ? `<a href="${e(href)}" rel="noopener noreferrer">${e(url)}</a>`
      : e(url);
    last = start + url.length;
  }
  return html + e(source.slice(last));
}

/** One message of the local outbox. */
export function outboxMessage(message, index) {
  const to = Array.isArray(message.to) ? message.to.join(', ') : String(message.to ?? '');
  const headingId = `mail-${index}`;
  return `<article class="mail" aria-labelledby="${headingId}">
<h2 id="${headingId}" class="mail-subject">${e(message.subject || '(sans objet)')}</h2>
<p class="mail-to"><span class="mail-field">À :</span> ${e(to)}</p>
<pre class="mail-text">${linkifiedText(message.text)}</pre>
</article>`;
}

// --- Typical week ("semaine type") ------------------------------------------------------

const WEEKDAY_NAMES = ['', 'Lundi', 'Mardi', 'Mercredi', 'Jeudi', 'Vendredi', 'Samedi', 'Dimanche'];

/** One child's typical week: a table of school weekdays × services, and its save button. */
export function typicalWeekForm(entry, schoolDays, services) {
  const { child } = entry;
  const id = `week-${e(child.id)}`;
  const rows = schoolDays.map((day) => {
    const ticked = (entry.days && entry.days[String(day)]) || [];
    const boxes = services.map((s) => `<td><input type="checkbox" name="day-${e(day)}" value="${e(s.code)}" aria-label="${e(s.label)} ${e(WEEKDAY_NAMES[day].toLowerCase())}"${ticked.includes(s.code) ? ' checked' : ''}></td>`).join('');
    return `<tr><th scope="row">${e(WEEKDAY_NAMES[day])}</th>${boxes}</tr>`;
  }).join('');
  const head = services.map((s) => `<th scope="col">${e(s.label)}</th>`).join('');
  const note = entry.saved ? '' : '<p class="hint">Pas encore enregistrée.</p>';
  return `<section class="section" aria-labelledby="${id}-title">
<h2 id="${id}-title">${e(child.first_name)} ${e(child.last_name)}</h2>${note}
<form class="card form typical-week" data-child="${e(child.id)}" method="post">
<div class="table-scroll" tabindex="0"><table><caption class="visually-hidden">Semaine type de ${e(child.first_name)}</caption>
<thead><tr><th scope="col">Jour</th>${head}</tr></thead><tbody>${rows}</tbody></table></div>
<div class="message" role="status" tabindex="-1" hidden></div>
<div class="actions"><button type="submit" class="primary">Enregistrer la semaine type de ${e(child.first_name)}</button></div>
</form></section>`;
}

/** The children a typical week can be applied to (those with a saved week). */
export function typicalWeekChildren(entries) {
  return entries.map(({ child, saved }) => `<label class="choice"><input type="checkbox" name="child" value="${e(child.id)}"${saved ? ' checked' : ' disabled'}> ${e(child.first_name)}${saved ? '' : ' (semaine type à enregistrer)'}</label>`).join('');
}
