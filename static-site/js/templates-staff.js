/**
 * templates-staff.js — HTML strings of the staff console, built from server data.
 *
 * Same rules as templates.js: every value from a person or the server goes through
 * escapeHtml (text and double-quoted attributes), no inline style or handler.
 */
import {
  INVOICE_COLUMNS, cell, escapeHtml as e, headRow, invoiceCells, invoiceStatus, monthText,
} from './templates.js';
import {
  MEAL_TYPES, SERVICE_MODES, WEEKDAYS, mealTypeLabel,
} from './labels.js';
import { centsToEuros } from './money.js';
import {
  formatDateTime, formatDotDate, formatLongDate, formatMoney, formatShortDate,
} from './format.js';
import { ROLE_LABELS, pagesFor } from './staff-roles.js';

// --- Navigation ---------------------------------------------------------------------------

/**
 * The console's navigation bar: the pages the role may use, the current one marked. On a
 * phone the list folds behind a "Menu" button (aria-expanded) that names the current page;
 * on a wide screen the button is not shown and the list is.
 */
export function staffNav(role, currentKey) {
  const pages = pagesFor(role);
  const items = pages.map((p) => {
    const current = p.key === currentKey ? ' aria-current="page"' : '';
    return `<li><a href="${e(p.href)}"${current}>${e(p.label)}</a></li>`;
  }).join('');
  const here = pages.find((p) => p.key === currentKey);
  const where = here ? `<span class="nav-here"> · ${e(here.label)}</span>` : '';
  return `<button type="button" class="nav-toggle" aria-expanded="false" aria-controls="staff-nav-list"><span class="nav-toggle-icon" aria-hidden="true">☰</span> Menu${where}</button>
<ul class="nav-list" id="staff-nav-list">${items}</ul>`;
}

/** A role's French name ("Administrateur", "Agent", "Cuisine"). */
export function roleLabel(role) {
  return ROLE_LABELS[role] || role || '';
}

// --- Families ------------------------------------------------------------------------------

function childrenCount(n) {
  const count = Number(n) || 0;
  if (!count) return 'aucun enfant';
  return `${count} enfant${count >= 2 ? 's' : ''}`;
}

/** The list of families found by a search; each links to its page. */
export function familyResults(families) {
  if (!families.length) return '<p class="empty">Aucune famille ne correspond à cette recherche.</p>';
  const items = families.map((f) => {
    const emails = (f.emails || []).filter(Boolean).map((m) => `<span class="result-email">${e(m)}</span>`).join('');
    const archived = f.anonymised ? ' <span class="badge is-archived">Anonymisée</span>'
      : (f.archived ? ' <span class="badge is-archived">Archivée</span>' : '');
    return `<li class="result${f.archived ? ' is-archived' : ''}">
<a class="result-link" href="famille.html?numero=${e(encodeURIComponent(f.number))}"><span class="result-name">${e(f.name)}</span> <span class="result-number">n° ${e(f.number)}</span></a>${archived}
<p class="result-meta">${emails}<span class="result-children">${e(childrenCount(f.children_count))}</span></p>
</li>`;
  }).join('');
  return `<ul class="result-list">${items}</ul>`;
}

/** The success line after a family was created, with a link to its page. */
export function familyCreated(number, text) {
  return `<p>${e(text)}</p><p><a href="famille.html?numero=${e(encodeURIComponent(number))}">Ouvrir la fiche de la famille n° ${e(number)}</a></p>`;
}

function detailLine(term, valueHtml) {
  return valueHtml ? `<div><dt>${e(term)}</dt><dd>${valueHtml}</dd></div>` : '';
}

function lines(values) {
  return (values || []).filter(Boolean).map(e).join('<br>');
}

/**
 * The family's state under its title: archived, the day its last child left and from when
 * the nightly purge anonymises it, or when it was anonymised; '' for a family attending.
 */
export function familyStateText(family) {
  if (family.anonymised_at) {
    return `Famille anonymisée le ${formatDateTime(family.anonymised_at)} : ses données `
      + 'personnelles (noms, coordonnées, santé des enfants, identifiants) ont été effacées. '
      + 'Ses factures, son relevé de compte et ses mandats restent consultables (conservation '
      + 'comptable de 10 ans).';
  }
  const parts = [];
  if (family.archived) parts.push('Famille archivée : elle ne peut plus se connecter ni réserver.');
  if (family.left_on) parts.push(`Dernier enfant parti le ${formatLongDate(family.left_on)}.`);
  if (family.purge_on) {
    parts.push(`Ses données personnelles seront anonymisées à partir du ${formatLongDate(family.purge_on)}, `
      + 'une fois son compte soldé ; ses factures et son compte seront conservés.');
  }
  return parts.join(' ');
}

/** A family's details, read-only (for agents: no income, which only billing needs). */
export function familyReadonly(family) {
  return `<dl class="details">
${detailLine('N° de famille', e(family.number))}
${detailLine('Adresses mail', lines(family.emails))}
${detailLine('Téléphones', lines(family.phones))}
${family.address ? `<div><dt>Adresse</dt><dd class="address">${e(family.address)}</dd></div>` : ''}
</dl>`;
}

function childName(child) {
  return [child.first_name, child.last_name].filter(Boolean).join(' ');
}

function childHeading(child) {
  const id = `child-${e(child.id)}-title`;
  const archived = child.archived ? ' <span class="badge is-archived">Archivé</span>' : '';
  return `<h3 id="${id}"><span class="child-title">${e(childName(child))}</span>${archived}</h3>`;
}

/** A child's details, read-only (for agents). */
export function childReadonly(child) {
  const pickup = (child.pickup_people || []).filter(Boolean);
  return `<article class="child-card${child.archived ? ' is-archived' : ''}" aria-labelledby="child-${e(child.id)}-title">
${childHeading(child)}
<dl class="details">
${detailLine('École', e(child.school))}
${detailLine('Classe', e(child.class_name))}
${detailLine('Régime', e(mealTypeLabel(child.meal_type || 'standard')))}
${detailLine('Allergies / PAI', child.allergies ? `<span class="badge is-allergy">${e(child.allergies)}</span>` : '')}
${detailLine('Personnes autorisées à récupérer l\'enfant', lines(pickup))}
</dl>
</article>`;
}

/** A child's edit form (administrators), named by the child's heading. */
export function childEditCard(child) {
  const id = e(child.id);
  const p = `child-${id}`;
  const options = MEAL_TYPES.map((m) => `<option value="${e(m.code)}"${m.code === (child.meal_type || 'standard') ? ' selected' : ''}>${e(m.label)}</option>`).join('');
  const archive = child.archived
    ? ''
    : `<button type="button" class="archive-child" data-child-id="${id}">Archiver l'enfant<span class="visually-hidden"> ${e(childName(child))}</span></button>`;
  return `<article class="child-card${child.archived ? ' is-archived' : ''}" aria-labelledby="${p}-title" data-child-id="${id}">
${childHeading(child)}
<form class="child-form form" method="post" data-child-id="${id}" aria-labelledby="${p}-title">
<div class="field-row">
<div class="field"><label for="${p}-first-name">Prénom</label><input id="${p}-first-name" name="first_name" data-field="first_name" type="text" autocomplete="off" required value="${e(child.first_name)}"></div>
<div class="field"><label for="${p}-last-name">Nom</label><input id="${p}-last-name" name="last_name" data-field="last_name" type="text" autocomplete="off" required value="${e(child.last_name)}"></div>
</div>
<div class="field-row">
<div class="field"><label for="${p}-school">École</label><input id="${p}-school" name="school" data-field="school" type="text" autocomplete="off" value="${e(child.school)}"></div>
<div class="field"><label for="${p}-class">Classe</label><input id="${p}-class" name="class_name" data-field="class_name" type="text" autocomplete="off" value="${e(child.class_name)}"></div>
</div>
<div class="field"><label for="${p}-meal">Régime</label><select id="${p}-meal" name="meal_type" data-field="meal_type" aria-describedby="${p}-meal-hint">${options}</select><p id="${p}-meal-hint" class="hint">Un besoin alimentaire, jamais une religion ni une conviction.</p></div>
<div class="field"><label for="${p}-birth">Date de naissance</label><input id="${p}-birth" name="birth_date" data-field="birth_date" type="date" autocomplete="off" value="${e(child.birth_date || '')}" aria-describedby="${p}-birth-hint"><p id="${p}-birth-hint" class="hint">Facultative : pour le rapport d'activité CAF (moins de 6 ans / 6 ans et plus).</p></div>
<div class="field"><label for="${p}-allergies">Allergies / PAI</label><textarea id="${p}-allergies" name="allergies" data-field="allergies" rows="2" autocomplete="off" aria-describedby="${p}-allergies-hint">${e(child.allergies)}</textarea><p id="${p}-allergies-hint" class="hint">Le besoin de santé seulement (allergie, intolérance, PAI et sa conduite à tenir), sans croyance ni diagnostic détaillé. Visible de la mairie et des agents qui s'occupent de l'enfant.</p></div>
<div class="field"><label for="${p}-pickup">Personnes autorisées à récupérer l'enfant</label><textarea id="${p}-pickup" name="pickup_people" data-field="pickup_people" rows="3" autocomplete="off" aria-describedby="${p}-pickup-hint">${e((child.pickup_people || []).join('\n'))}</textarea><p id="${p}-pickup-hint" class="hint">Une personne par ligne.</p></div>
<div class="message" role="alert" hidden></div>
<div class="actions">
<button type="submit" class="primary">Enregistrer<span class="visually-hidden"> ${e(childName(child))}</span></button>
${archive}
</div>
</form>
</article>`;
}

// --- Settings ------------------------------------------------------------------------------

function options(list, selected) {
  return list.map((o) => `<option value="${e(o.value)}"${String(o.value) === String(selected) ? ' selected' : ''}>${e(o.label)}</option>`).join('');
}

const RULE_TYPES = [
  { value: 'weekly', label: 'Hebdomadaire' },
  { value: 'school_days_before', label: 'Jours d\'école avant' },
];

const DEFAULT_RULE = { type: 'weekly', weekday: 4, time: '17:00' };

/**
 * One deadline rule ("booking" or "cancellation") of service n° i: its type, then the
 * weekday (weekly) or the number of school days (school_days_before), then the time.
 */
export function ruleFieldset(i, kind, rule) {
  const r = rule || DEFAULT_RULE;
  const p = `svc-${i}-${kind}`;
  const f = `services[${i}].deadline.${kind}`;
  const legend = kind === 'booking' ? 'Date limite de réservation' : 'Date limite d\'annulation';
  const type = r.type === 'school_days_before' ? 'school_days_before' : 'weekly';
  const weekday = r.type === 'weekly' ? r.weekday : DEFAULT_RULE.weekday;
  const days = r.type === 'school_days_before' ? r.days : 1;
  const time = r.time || DEFAULT_RULE.time;
  return `<fieldset class="rule" data-rule="${e(kind)}" data-field="${e(f)}">
<legend>${e(legend)}</legend>
<div class="field-row">
<div class="field"><label for="${p}-type">Type de délai</label><select id="${p}-type" class="rule-type" name="${p}-type" data-field="${e(f)}.type">${options(RULE_TYPES, type)}</select></div>
<div class="field" data-kind="weekly"${type === 'weekly' ? '' : ' hidden'}><label for="${p}-weekday">Jour de la semaine précédente</label><select id="${p}-weekday" class="rule-weekday" name="${p}-weekday" data-field="${e(f)}.weekday">${options(WEEKDAYS, weekday)}</select></div>
<div class="field" data-kind="school_days_before"${type === 'school_days_before' ? '' : ' hidden'}><label for="${p}-days">Nombre de jours d'école avant</label><input id="${p}-days" class="rule-days" name="${p}-days" type="number" min="1" max="30" step="1" inputmode="numeric" data-field="${e(f)}.days" value="${e(days)}"></div>
<div class="field"><label for="${p}-time">Heure</label><input id="${p}-time" class="rule-time" name="${p}-time" type="time" data-field="${e(f)}.time" value="${e(time)}"></div>
</div>
</fieldset>`;
}

/** The fieldset of one service (legend = its label) in the settings form. */
export function serviceFieldset(service, i) {
  const p = `svc-${i}`;
  const f = `services[${i}]`;
  const deadline = service.deadline || null;
  const booked = service.mode === 'booked';
  const cancellation = deadline && deadline.cancellation ? deadline.cancellation : null;
  const modes = SERVICE_MODES.map((m) => ({ value: m.code, label: m.label }));
  return `<fieldset class="service-box" data-code="${e(service.code)}" data-field="${e(f)}">
<legend class="service-legend">${e(service.label)}</legend>
<div class="field-row">
<div class="field"><label for="${p}-label">Libellé</label><input id="${p}-label" name="${p}-label" class="service-label" type="text" maxlength="40" autocomplete="off" data-field="${e(f)}.label ${e(f)}.code" value="${e(service.label)}"></div>
<div class="field"><label for="${p}-mode">Mode</label><select id="${p}-mode" name="${p}-mode" class="service-mode" data-field="${e(f)}.mode">${options(modes, service.mode)}</select></div>
</div>
<div class="deadline-block"${booked ? '' : ' hidden'}>
${ruleFieldset(i, 'booking', deadline && deadline.booking)}
<div class="field-check"><input id="${p}-has-cancel" type="checkbox" class="has-cancellation" data-index="${i}"${cancellation ? ' checked' : ''}><label for="${p}-has-cancel">Date limite d'annulation différente</label></div>
${cancellation ? ruleFieldset(i, 'cancellation', cancellation) : ''}
</div>
<div class="field-row">
<div class="field"><label for="${p}-closing">Heure de fermeture</label><input id="${p}-closing" name="${p}-closing" type="time" data-field="${e(f)}.closing_time" value="${e(service.closing_time || '')}" aria-describedby="${p}-closing-hint"><p id="${p}-closing-hint" class="hint">Pour la garderie : au-delà, le retard est compté.</p></div>
<div class="field"><label for="${p}-price">Prix (€)</label><input id="${p}-price" name="${p}-price" type="text" inputmode="decimal" autocomplete="off" data-field="${e(f)}.price_cents" value="${e(centsToEuros(service.price_cents))}" aria-describedby="${p}-price-hint"><p id="${p}-price-hint" class="hint">Par exemple 3,50. Vide si non facturé.</p></div>
<div class="field"><label for="${p}-places">Places par jour</label><input id="${p}-places" name="${p}-places" type="number" min="1" max="10000" step="1" inputmode="numeric" data-field="${e(f)}.places" value="${e(service.places == null ? '' : String(service.places))}" aria-describedby="${p}-places-hint"><p id="${p}-places-hint" class="hint">Vide : pas de limite. Au-delà, les inscriptions vont en liste d'attente.</p></div>
<div class="field"><label for="${p}-duration">Durée d'une séance (minutes)</label><input id="${p}-duration" name="${p}-duration" type="number" min="0" max="720" step="1" inputmode="numeric" data-field="${e(f)}.duration_minutes" value="${e(service.duration_minutes == null ? '' : String(service.duration_minutes))}" placeholder="${e(String(service.hours_minutes ?? ''))}" aria-describedby="${p}-duration-hint"><p id="${p}-duration-hint" class="hint">Heures déclarées à la CAF. Vide : ${e(String(service.hours_minutes ?? 0))} minutes par défaut.</p></div>
</div>
</fieldset>`;
}

/** The list of closures, each with its "Supprimer" button. */
export function closuresTable(closures) {
  if (!closures.length) return '<p class="empty">Aucune fermeture.</p>';
  const rows = closures.map((c) => `<tr>
<td>${e(formatShortDate(c.start))}</td>
<td>${e(formatShortDate(c.end))}</td>
<td>${e(c.label)}</td>
<td><button type="button" class="delete-closure" data-closure-id="${e(c.id)}">Supprimer<span class="visually-hidden"> la fermeture ${e(c.label)} du ${e(formatShortDate(c.start))}</span></button></td>
</tr>`).join('');
  return `<div class="table-scroll" tabindex="0"><table class="data-table">
<caption class="visually-hidden">Fermetures</caption>
<thead><tr><th scope="col">Du</th><th scope="col">Au</th><th scope="col">Motif</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead>
<tbody>${rows}</tbody></table></div>`;
}

// --- Attendance ("Pointage") -------------------------------------------------------------------

/** "Toto TEST": first name, then the last name in capitals as on school lists. */
export function attendanceName(child) {
  const last = String(child.last_name || '').toLocaleUpperCase('fr-FR');
  return [child.first_name, last].filter(Boolean).join(' ');
}

/**
 * One child's card: name, class, family, booked or not, diet and allergies, the "Présent" /
 * "Absent" buttons and, for care services (`care`), "Arrivée" / "Départ" with their times.
 * The state (pressed buttons, times, absence) is applied afterwards by the controller.
 */
export function attendanceCard(child, { care, garderie = care, bookedMode }) {
  const id = e(child.child_id);
  const p = `att-${id}`;
  const name = attendanceName(child);
  const badges = [];
  if (bookedMode) {
    badges.push(child.booked
      ? '<span class="badge is-booked">Réservé</span>'
      : '<span class="badge is-unbooked">Non réservé</span>');
    if (child.sick) badges.push('<span class="badge is-sick">Malade (signalé par la famille)</span>');
  }
  // At the garderie the diet does not matter, the PAI (allergy plan) always does.
  if (!garderie && child.meal_type && child.meal_type !== 'standard') {
    badges.push(`<span class="badge">${e(mealTypeLabel(child.meal_type))}</span>`);
  }
  if (child.allergies) {
    badges.push(`<span class="badge is-allergy"><span aria-hidden="true">⚠ </span>Allergies / PAI : ${e(child.allergies)}</span>`);
  } else if (garderie && child.meal_type === 'panier_pai') {
    badges.push('<span class="badge is-allergy"><span aria-hidden="true">⚠ </span>PAI</span>');
  }
  const family = child.family_name ? `Famille ${e(child.family_name)}${child.family_number ? ` (n° ${e(child.family_number)})` : ''}` : '';
  const info = [child.class_name ? `<span class="att-class">${e(child.class_name)}</span>` : '', family].filter(Boolean).join(' · ');
  const pickup = (child.pickup_people || []).filter(Boolean);
  const pickupLine = garderie
    ? `<p class="att-pickup">Peut être récupéré(e) par : ${pickup.length ? pickup.map(e).join(', ') : 'aucune personne indiquée sur la fiche'}</p>`
    : '';
  const times = care ? `<div class="att-times">
<div class="att-time">
<button type="button" class="att-stamp" data-action="arrival" aria-label="Arrivée : ${e(name)}">Arrivée</button>
<div class="att-time-field"><label for="${p}-arrival">Heure d'arrivée de ${e(child.first_name)}</label><input id="${p}-arrival" type="time" data-action="arrival-time" data-field="arrival"></div>
</div>
<div class="att-time">
<button type="button" class="att-stamp" data-action="departure" aria-label="Départ : ${e(name)}">Départ</button>
<div class="att-time-field"><label for="${p}-departure">Heure de départ de ${e(child.first_name)}</label><input id="${p}-departure" type="time" data-action="departure-time" data-field="departure"></div>
</div>
</div>` : '';
  return `<article class="att-card" data-child-id="${id}" data-search="${e(`${child.first_name} ${child.last_name} ${child.family_name || ''} ${child.family_number || ''} ${child.class_name || ''}`)}" aria-labelledby="${p}-name">
<div class="att-main">
<div class="att-who">
<h4 class="att-name" id="${p}-name">${e(name)}</h4>
${info ? `<p class="att-info">${info}</p>` : ''}
${badges.length ? `<p class="att-badges">${badges.join(' ')}</p>` : ''}
${pickupLine}
</div>
<div class="att-buttons">
<button type="button" class="att-btn att-present" data-action="present" aria-pressed="false" aria-label="Présent : ${e(name)}">Présent</button>
<button type="button" class="att-btn att-absent" data-action="absent" aria-pressed="false" aria-label="Absent : ${e(name)}">Absent</button>
</div>
</div>
${times}
<p class="att-late" hidden></p>
<div class="att-absence" hidden>
<div class="field-check"><input id="${p}-justified" type="checkbox" data-action="justified" data-field="justified"><label for="${p}-justified">Absence justifiée</label></div>
<div class="field"><label for="${p}-reason">Motif</label><input id="${p}-reason" type="text" data-action="reason" data-field="reason" autocomplete="off"></div>
</div>
<p class="att-error" role="alert" hidden></p>
</article>`;
}

/** A titled group of attendance cards ("Enfants attendus", "Autres enfants"). */
export function attendanceGroup(id, title, cardsHtml, count) {
  return `<section class="att-group" aria-labelledby="${e(id)}">
<h3 class="att-group-title" id="${e(id)}">${e(title)} (${e(count)})</h3>
${cardsHtml}
</section>`;
}

// --- Headcounts ("Effectifs") ---------------------------------------------------------------------

const HEADCOUNT_TYPES = ['standard', 'sans_porc', 'vegetarien', 'panier_pai'];

/** Whether a head-count row is broken down by diet (meals only; `diets` from the server). */
function hasDiets(row) {
  return row.diets === undefined ? row.service === 'meal' : Boolean(row.diets);
}

function headcountStatus(d) {
  return d.locked
    ? '<span class="badge is-locked">Verrouillé</span>'
    : '<span class="badge">Provisoire</span>';
}

/**
 * Two tables: the meals, Date | Prestation | Total | one column per diet | État; then the
 * other services (garderie…), Date | Prestation | Total | État — a diet means nothing there.
 */
/** The count, with the children reported sick since: « 12 − 1 malade » (11 to cook). */
export function headcountTotal(d) {
  const total = Number(d.total) || 0;
  const sick = Number(d.sick) || 0;
  if (!sick) return e(total);
  return `${e(total)} <span class="sick-adjustment">− ${e(sick)} ${sick > 1 ? 'malades' : 'malade'}</span>`;
}

export function headcountsTable(days) {
  if (!days.length) return '<p class="empty">Aucun effectif sur cette période.</p>';
  const meals = days.filter(hasDiets);
  const others = days.filter((d) => !hasDiets(d));
  const parts = [];
  if (meals.length) {
    const head = HEADCOUNT_TYPES.map((t) => `<th scope="col" class="num">${e(mealTypeLabel(t))}</th>`).join('');
    const rows = meals.map((d) => {
      const by = d.by_meal_type || {};
      const cells = HEADCOUNT_TYPES.map((t) => `<td class="num">${e(Number(by[t]) || 0)}</td>`).join('');
      return `<tr><td>${e(formatShortDate(d.date))}</td><td>${e(d.label || d.service)}</td><td class="num total">${headcountTotal(d)}</td>${cells}<td>${headcountStatus(d)}</td></tr>`;
    }).join('');
    parts.push(`<div class="table-scroll" tabindex="0"><table class="data-table headcounts headcounts-meals">
<caption>Repas, par régime</caption>
<thead><tr><th scope="col">Date</th><th scope="col">Prestation</th><th scope="col" class="num">Total</th>${head}<th scope="col">État</th></tr></thead>
<tbody>${rows}</tbody></table></div>`);
  }
  if (others.length) {
    const rows = others.map((d) => `<tr><td>${e(formatShortDate(d.date))}</td><td>${e(d.label || d.service)}</td><td class="num total">${headcountTotal(d)}</td><td>${headcountStatus(d)}</td></tr>`).join('');
    parts.push(`<div class="table-scroll" tabindex="0"><table class="data-table headcounts headcounts-others">
<caption>Garderie et autres prestations</caption>
<thead><tr><th scope="col">Date</th><th scope="col">Prestation</th><th scope="col" class="num">Total</th><th scope="col">État</th></tr></thead>
<tbody>${rows}</tbody></table></div>`);
  }
  return parts.join('\n');
}

// --- Exports ---------------------------------------------------------------------------------

/** One download link per export: `items` = [{name, label, href}] (href null: no period yet). */
export function exportLinks(items) {
  return items.map((x) => (x.href
    ? `<li><a class="button-link export-link" href="${e(x.href)}" download data-export="${e(x.name)}">${e(x.label)}</a></li>`
    : `<li><a class="button-link export-link" aria-disabled="true" data-export="${e(x.name)}">${e(x.label)}</a></li>`)).join('');
}

/** An export job's progress, then its download link (the link leaves the portal for S3). */
export function exportJobStatus(job) {
  const rows = Number(job.rows || 0).toLocaleString('fr-FR');
  const days = job.pages_total ? ` (${e(job.pages_done)} / ${e(job.pages_total)} jours)` : '';
  if (job.state === 'queued') {
    return '<p>Fichier demandé : la préparation va commencer…</p>';
  }
  if (job.state === 'running') {
    const bar = job.pages_total
      ? `<progress max="${e(job.pages_total)}" value="${e(job.pages_done)}">${e(job.pages_done)} / ${e(job.pages_total)}</progress>`
      : '<progress></progress>';
    return `<p>Préparation en cours : ${e(rows)} lignes écrites${days}.</p>${bar}`;
  }
  if (job.state === 'done') {
    return `<p>Fichier prêt : ${e(rows)} lignes. Le lien est valable 15 minutes (jusqu'à ${e(formatDateTime(job.download_expires_at).slice(-5))}).</p>`
      + `<p><a class="button-link export-download" href="${e(job.download_url)}" download="${e(job.file_name)}" rel="noopener">Télécharger ${e(job.file_name)}</a></p>`;
  }
  if (job.state === 'expired') {
    return '<p>Ce fichier n\'est plus disponible (supprimé après un jour) : demandez-le à nouveau.</p>';
  }
  return `<p class="run-error">${e(job.failure || 'La préparation du fichier a échoué.')}</p>`;
}

// --- Lock runs ("Verrouillages") ------------------------------------------------------------------

const TRIGGERS = { schedule: 'Automatique', staff: 'Manuel (personnel)' };
const OUTCOMES = {
  success: { text: 'Réussi', cls: 'is-booked' },
  failure: { text: 'Échec', cls: 'is-allergy' },
  running: { text: 'En cours', cls: 'is-locked' },
};

function plural(n, one, many) {
  return `${n} ${Number(n) >= 2 ? many : one}`;
}

const STEPS = { draft: 'Pré-facturation', confirm: 'Validation', schedule: 'Facturation programmée' };

/**
 * Début | Fin | Déclenchement | Résultat | Détail (`caption` names the job for screen
 * readers). A failed invoicing step carries "Reprendre", which runs it again: each step
 * takes up where it stopped.
 */
export function runsTable(runs, caption = 'Exécutions du verrouillage') {
  if (!runs.length) return '<p class="empty">Aucune exécution pour le moment.</p>';
  const rows = runs.map((r) => {
    const outcome = OUTCOMES[r.outcome] || { text: r.outcome || '', cls: '' };
    const detail = [];
    if (r.step && STEPS[r.step]) {
      detail.push(`<strong>${e(STEPS[r.step])}${r.month ? ` – ${e(monthText(r.month))}` : ''}</strong>`);
    }
    if (r.summary) detail.push(e(r.summary));
    // Reminders handed to the background: what its batches sent so far.
    if (Number(r.queued)) {
      detail.push(e(`${Number(r.sent_later) || 0} sur ${Number(r.queued)} envoyé(s) à ce jour`));
    } else if (!r.summary && Number.isFinite(Number(r.frozen_count)) && r.outcome !== 'running') {
      detail.push(e(plural(Number(r.frozen_count) || 0, 'créneau verrouillé', 'créneaux verrouillés')));
    }
    if (r.error) detail.push(`<span class="run-error">Erreur : ${e(r.error)}</span>`);
    if (r.outcome === 'failure' && r.month && (r.step === 'draft' || r.step === 'confirm')) {
      detail.push(`<button type="button" class="resume-run" data-month="${e(r.month)}" data-step="${e(r.step)}">Reprendre<span class="visually-hidden"> : ${e(STEPS[r.step].toLowerCase())} de ${e(monthText(r.month))}</span></button>`);
    }
    return `<tr>
<td>${e(formatDateTime(r.started_at))}</td>
<td>${r.ended_at ? e(formatDateTime(r.ended_at)) : '<span class="empty">—</span>'}</td>
<td>${e(TRIGGERS[r.trigger] || r.trigger || '')}</td>
<td><span class="badge ${outcome.cls}">${e(outcome.text)}</span></td>
<td>${detail.join('<br>')}</td>
</tr>`;
  }).join('');
  return `<div class="table-scroll" tabindex="0"><table class="data-table runs">
<caption class="visually-hidden">${e(caption)}</caption>
<thead><tr><th scope="col">Début</th><th scope="col">Fin</th><th scope="col">Déclenchement</th><th scope="col">Résultat</th><th scope="col">Détail</th></tr></thead>
<tbody>${rows}</tbody></table></div>`;
}

// --- Staff accounts --------------------------------------------------------------------------------

const ROLE_CODES = ['admin', 'agent', 'kitchen'];

/** One staff account: name, e-mail, role select, "Enregistrer" and "Supprimer". */
export function accountCard(account, index, isSelf) {
  const p = `acc-${index}`;
  const name = account.name || account.email;
  const roleOptions = ROLE_CODES.map((r) => `<option value="${e(r)}"${r === account.role ? ' selected' : ''}>${e(ROLE_LABELS[r])}</option>`).join('');
  const self = isSelf ? ' <span class="badge is-booked">Vous</span>' : '';
  const remove = isSelf
    ? ''
    : `<button type="button" class="delete-account">Supprimer<span class="visually-hidden"> le compte de ${e(name)}</span></button>`;
  return `<li class="account-card">
<form class="account-form" method="post" data-email="${e(account.email)}" data-name="${e(account.name)}" aria-labelledby="${p}-name">
<p class="account-who"><strong id="${p}-name">${e(name)}</strong>${self}<br><span class="account-email">${e(account.email)}</span></p>
<div class="inline-row">
<div class="field"><label for="${p}-role">Rôle de ${e(name)}</label><select id="${p}-role" name="role" data-field="role"${isSelf ? ' disabled aria-describedby="' + p + '-self"' : ''}>${roleOptions}</select></div>
${isSelf ? '' : `<button type="submit">Enregistrer<span class="visually-hidden"> le rôle de ${e(name)}</span></button>`}
${remove}
</div>
${isSelf ? `<p id="${p}-self" class="hint">Votre propre compte ne peut être ni modifié ni supprimé ici.</p>` : ''}
<div class="message" role="alert" hidden></div>
</form>
</li>`;
}

/** The list of staff accounts. */
export function accountList(accounts, selfEmail) {
  if (!accounts.length) return '<p class="empty">Aucun compte.</p>';
  const self = String(selfEmail || '').toLowerCase();
  return `<ul class="account-list">${accounts.map((a, i) => accountCard(a, i, self && String(a.email).toLowerCase() === self)).join('')}</ul>`;
}

// --- Audit log ("Journal") --------------------------------------------------------------------------

function jsonBlock(title, value) {
  if (value === null || value === undefined) {
    return `<div class="audit-side"><h4>${e(title)}</h4><p class="empty">—</p></div>`;
  }
  return `<div class="audit-side"><h4>${e(title)}</h4><pre class="audit-json">${e(JSON.stringify(value, null, 2))}</pre></div>`;
}

/** The journal's entries, as given (newest first): when, who, what, on what, before/after. */
export function auditEntries(entries) {
  if (!entries.length) return '<p class="empty">Aucune modification sur cette période.</p>';
  const items = entries.map((entry) => {
    const hasDiff = (entry.before !== null && entry.before !== undefined)
      || (entry.after !== null && entry.after !== undefined);
    const diff = hasDiff
      ? `<details class="audit-diff"><summary>Avant / après</summary><p class="audit-code">Code : <code>${e(entry.action)}</code>${entry.target ? ` ${e(entry.target)}` : ''}</p><div class="audit-sides">${jsonBlock('Avant', entry.before)}${jsonBlock('Après', entry.after)}</div></details>`
      : '';
    return `<li class="audit-entry">
<p class="audit-line"><time class="audit-at" datetime="${e(entry.at)}">${e(formatDateTime(entry.at))}</time> <span class="audit-who">${e(entry.who)}</span></p>
<p class="audit-what">${entry.label ? e(entry.label) : `<code class="audit-action">${e(entry.action)}</code>${entry.target ? ` <span class="audit-target">${e(entry.target)}</span>` : ''}`}</p>
${diff}
</li>`;
  }).join('');
  return `<ol class="audit-list">${items}</ol>`;
}

// --- Menus (kitchen) ---------------------------------------------------------------------------------

/** The summary line of a dish's allergen list: "Allergènes : Gluten, Lait" or "… aucun". */
export function allergenSummary(codes, allergens) {
  const names = codes.map((c) => allergens[c] || c);
  return `Allergènes : ${names.length ? names.join(', ') : 'aucun'}`;
}

/** One dish row: its name and "Retirer", then its allergens (in a disclosure) below, in
 * the order Tab follows. */
export function dishRow(date, key, number, dish, allergens) {
  const p = `dish-${e(date)}-${e(key)}`;
  const chosen = new Set(dish.allergens || []);
  const boxes = Object.entries(allergens).map(([code, label]) => `<label class="choice"><input type="checkbox" class="allergen" value="${e(code)}"${chosen.has(code) ? ' checked' : ''}> ${e(label)}</label>`).join('');
  return `<li class="dish-row" data-key="${e(key)}">
<div class="field dish-name-field"><label for="${p}-name" class="dish-label">Plat ${e(number)}</label><input id="${p}-name" class="dish-name" type="text" maxlength="120" autocomplete="off" value="${e(dish.name)}"></div>
<button type="button" class="remove-dish">Retirer<span class="visually-hidden"> le plat ${e(number)}</span></button>
<details class="dish-allergens"><summary class="allergen-summary">${e(allergenSummary([...chosen], allergens))}</summary>
<fieldset class="allergen-box"><legend class="visually-hidden">Allergènes du plat ${e(number)}</legend><div class="choices">${boxes}</div></fieldset>
</details>
</li>`;
}

/** The edit block of one day: "Menu végétarien", its dishes, "Ajouter un plat". */
export function menuDayEditor(day, dishesHtml) {
  const p = `menu-${e(day.date)}`;
  const title = formatLongDate(day.date);
  return `<fieldset class="menu-day-edit" data-date="${e(day.date)}">
<legend>${e(title)}</legend>
<div class="field-check"><input id="${p}-veg" type="checkbox" class="menu-veg"${day.vegetarian ? ' checked' : ''}><label for="${p}-veg">Menu végétarien</label></div>
<ol class="dish-list">${dishesHtml}</ol>
<button type="button" class="add-dish">Ajouter un plat<span class="visually-hidden"> le ${e(title)}</span></button>
</fieldset>`;
}

// --- Billing ("Facturation", family account) ---------------------------------------------------

function money(cents) {
  return `<span class="money">${e(formatMoney(cents))}</span>`;
}

/**
 * A month's invoices: N° | Famille (name and number, linking to its page) | Montant |
 * Payé | Reste à payer | État | PDF, with the totals of the invoices still standing.
 * `pdfHref(family, id)` gives a PDF's address.
 */
export function monthInvoicesTable(invoices, month, pdfHref) {
  if (!invoices.length) return `<p class="empty">Aucune facture pour ${e(monthText(month))}.</p>`;
  let standing = 0;
  let remaining = 0;
  let count = 0;
  const rows = invoices.map((inv) => {
    if (inv.status !== 'cancelled') {
      standing += Number(inv.total_cents) || 0;
      remaining += Number(inv.remaining_cents) || 0;
      count += 1;
    }
    const id = inv.id ?? inv.number;
    const who = inv.family_name ? `${e(inv.family_name)} <span class="family-number">(n° ${e(inv.family)})</span>` : `n° ${e(inv.family)}`;
    return `<tr${inv.status === 'cancelled' ? ' class="is-cancelled"' : ''}>
<th scope="row" class="nowrap">${e(inv.number)}</th>
<td><a href="famille.html?numero=${e(encodeURIComponent(inv.family))}">${who}</a></td>
<td class="num">${money(inv.total_cents)}</td>
<td class="num">${money(inv.paid_cents)}</td>
<td class="num">${money(inv.remaining_cents)}</td>
<td>${invoiceStatus(inv)}</td>
<td><a class="button-link is-secondary" href="${e(pdfHref(inv.family, id))}" target="_blank" rel="noopener">PDF<span class="visually-hidden"> de la facture ${e(inv.number)} (nouvel onglet)</span></a></td>
</tr>`;
  }).join('');
  return `<div class="table-scroll" tabindex="0"><table class="data-table invoices">
<caption class="visually-hidden">Factures de ${e(monthText(month))}</caption>
<thead><tr><th scope="col">N° facture</th><th scope="col">Famille</th><th scope="col" class="num">Montant</th><th scope="col" class="num">Payé</th><th scope="col" class="num">Reste à payer</th><th scope="col">État</th><th scope="col"><span class="visually-hidden">Facture PDF</span></th></tr></thead>
<tbody>${rows}</tbody>
<tfoot><tr><th scope="row" colspan="2">Total (${e(count)} facture${count >= 2 ? 's' : ''}, hors factures annulées)</th><td class="num">${money(standing)}</td><td class="num">${money(standing - remaining)}</td><td class="num">${money(remaining)}</td><td colspan="2"></td></tr></tfoot>
</table></div>`;
}

// --- The month's draft ("pré-facturation") ----------------------------------------------------

const LEVELS = {
  blocking: { text: 'Bloquant', cls: 'is-allergy' },
  warning: { text: 'À vérifier', cls: 'is-unpaid' },
  info: { text: 'Info', cls: '' },
};

function anomalyList(anomalies) {
  if (!anomalies.length) return '<span class="empty">—</span>';
  return `<ul class="anomalies">${anomalies.map((a) => {
    const level = LEVELS[a.level] || LEVELS.info;
    return `<li class="anomaly is-${e(a.level)}"><span class="badge ${level.cls}">${e(level.text)}</span> ${e(a.message)}</li>`;
  }).join('')}</ul>`;
}

function draftLines(lines) {
  if (!lines.length) return '';
  const items = lines.map((l) => {
    const days = Array.isArray(l.days) && l.days.length
      ? `<span class="invoice-note">${e(l.days.map((d) => formatShortDate(d)).join(', '))}</span>`
      : '';
    return `<li>${e(l.child_name)} – ${e(l.label)} : ${e(l.quantity)} × ${money(l.unit_price_cents)} = ${money(l.amount_cents)}${days}</li>`;
  }).join('');
  return `<details class="draft-lines"><summary>Détail<span class="visually-hidden"> des lignes</span></summary><ul>${items}</ul></details>`;
}

/** What the month's status means, in one sentence. */
export function draftStatusText(month) {
  const what = monthText(month.month);
  const summary = month.summary || {};
  switch (month.status) {
    case 'draft':
      return `Pré-facturation de ${what} calculée le ${formatDateTime(month.built_at)} : ${plural(Number(summary.to_issue) || 0, 'facture à émettre', 'factures à émettre')} pour ${formatMoney(Number(summary.total_cents) || 0)}. Relisez-la, puis validez.`;
    case 'confirmed': {
      const done = `Facturation de ${what} validée le ${formatDateTime(month.confirmed_at)}.`;
      // A big month's invoices go out in the background, batch by batch.
      const queued = Number(summary.delivery_batches) ? Number(summary.to_deliver) || 0 : 0;
      const sent = Number(month.delivered) || 0;
      if (!queued) return done;
      return sent >= queued
        ? `${done} Les ${queued} factures ont été envoyées aux familles.`
        : `${done} Envoi des factures aux familles en cours : ${sent} sur ${queued}.`;
    }
    case 'building':
      return `La pré-facturation de ${what} est en cours de calcul.`;
    case 'interrupted':
      return `Le calcul de la pré-facturation de ${what} s'est interrompu : recalculez-la.`;
    default:
      return month.over
        ? `${what.charAt(0).toLocaleUpperCase('fr-FR')}${what.slice(1)} n'a pas encore de pré-facturation.`
        : `${what.charAt(0).toLocaleUpperCase('fr-FR')}${what.slice(1)} n'est pas terminé : il ne peut pas encore être facturé.`;
  }
}

/**
 * The month's draft: its status, then Famille | À facturer | Points à vérifier | Détail,
 * and the buttons "Recalculer" and "Valider la facturation" (off while a point blocks).
 */
export function draftView(month, onlyToCheck = false) {
  const families = Array.isArray(month.families) ? month.families : [];
  const blocking = families.filter((f) => f.blocking).length;
  const toIssue = families.filter((f) => !f.invoice && !f.blocking && Number(f.total_cents) > 0).length;
  const canConfirm = month.status === 'draft' && blocking === 0;
  const shown = onlyToCheck
    ? families.filter((f) => f.anomalies.some((a) => a.level !== 'info'))
    : families;
  const rows = shown.map((f) => {
    const amount = f.invoice
      ? `${money(f.total_cents)}<span class="invoice-note">déjà facturée (${e(f.invoice)})</span>`
      : money(f.total_cents);
    return `<tr class="${f.blocking ? 'is-blocking' : ''}">
<th scope="row"><a href="famille.html?numero=${e(encodeURIComponent(f.number))}">${e(f.name)} <span class="family-number">(n° ${e(f.number)})</span></a></th>
<td class="num">${amount}</td>
<td>${anomalyList(f.anomalies)}</td>
<td>${draftLines(f.lines)}</td>
</tr>`;
  }).join('');
  const table = families.length
    ? `<div class="field field-check"><input id="draft-only-check" type="checkbox"${onlyToCheck ? ' checked' : ''}><label for="draft-only-check">Seulement les familles à vérifier</label></div>
<div class="table-scroll" tabindex="0"><table class="data-table draft">
<caption class="visually-hidden">Pré-facturation de ${e(monthText(month.month))}</caption>
<thead><tr><th scope="col">Famille</th><th scope="col" class="num">À facturer</th><th scope="col">Points à vérifier</th><th scope="col">Détail</th></tr></thead>
<tbody>${rows || `<tr><td colspan="4" class="empty">Aucune famille à vérifier.</td></tr>`}</tbody></table></div>`
    : (month.status ? '<p class="empty">Rien à facturer pour ce mois.</p>' : '');
  const blocked = blocking
    ? `<p class="message" role="note">${e(plural(blocking, 'famille présente', 'familles présentent'))} un point bloquant : corrigez-le (tarif manquant, pointage…), recalculez, puis validez.</p>`
    : '';
  const actions = month.status && month.status !== 'building'
    ? `<div class="actions">
<button type="button" id="draft-rebuild">Recalculer</button>
${month.status === 'confirmed' && toIssue === 0 ? '' : `<button type="button" id="draft-confirm" class="primary"${canConfirm ? '' : ' disabled'}>Valider la facturation${toIssue ? ` (${e(plural(toIssue, 'facture', 'factures'))})` : ''}</button>`}
</div>`
    : '';
  return `<div class="card draft-card">
<p class="draft-status">${e(draftStatusText(month))}</p>
${blocked}${table}${actions}
</div>`;
}

// --- Overpayments ("trop-perçus") -------------------------------------------------------------

/** Famille | Reçu le | Référence | Facture | Montant | Rembourser / Conserver. */
export function overpaymentsTable(items) {
  if (!items.length) return '<p class="empty">Aucun trop-perçu à traiter.</p>';
  const rows = items.map((o) => `<tr>
<th scope="row"><a href="famille.html?numero=${e(encodeURIComponent(o.family))}">${e(o.family_name || '')} <span class="family-number">(n° ${e(o.family)})</span></a></th>
<td class="nowrap">${e(formatDotDate(o.received_on))}</td>
<td>${e(o.reference)}</td>
<td>${e(o.invoice || '')}</td>
<td class="num">${money(o.amount_cents)}</td>
<td><div class="row-actions">
<button type="button" class="refund-overpayment" data-id="${e(o.id)}" data-amount="${e(o.amount_cents)}" data-family="${e(o.family_name || o.family)}">Rembourser<span class="visually-hidden"> ${e(formatMoney(o.amount_cents))} à la famille ${e(o.family_name || o.family)}</span></button>
<button type="button" class="keep-overpayment" data-id="${e(o.id)}" data-amount="${e(o.amount_cents)}" data-family="${e(o.family_name || o.family)}">Conserver sur le compte<span class="visually-hidden"> de la famille ${e(o.family_name || o.family)}</span></button>
</div></td>
</tr>`).join('');
  return `<div class="table-scroll" tabindex="0"><table class="data-table overpayments">
<caption class="visually-hidden">Trop-perçus à traiter</caption>
<thead><tr><th scope="col">Famille</th><th scope="col">Reçu le</th><th scope="col">Référence</th><th scope="col">Facture</th><th scope="col" class="num">Montant</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
<tbody>${rows}</tbody></table></div>`;
}

/**
 * The month's bordereaux of titres de recette: N° | Envoi | Émis le | Titres | Montant |
 * État (with the Treasury's reasons of a rejection) | the PES file, and "Émettre à
 * nouveau" on a rejected one. `fileHref(id)` gives the file's address.
 */
export function bordereauxTable(items, fileHref) {
  if (!items.length) return '<p class="empty">Aucun bordereau pour ce mois : il est émis à la validation de la facturation.</p>';
  const rows = items.map((b) => {
    const reasons = (b.reasons || []).length
      ? `<ul class="reasons">${b.reasons.map((r) => `<li>${e(r)}</li>`).join('')}</ul>`
      : '';
    const replaced = b.replaced_by ? `<p class="hint">Remplacé par ${e(b.replaced_by)}</p>` : '';
    const again = b.state === 'rejete'
      ? `<button type="button" class="reissue-bordereau" data-id="${e(b.id)}" data-number="${e(b.number)}">Émettre à nouveau<span class="visually-hidden"> le bordereau ${e(b.number)}</span></button>`
      : '';
    return `<tr class="bordereau is-${e(b.state)}">
<th scope="row">${e(b.number)}</th>
<td>${e(b.attempt)}</td>
<td class="nowrap">${e(formatDotDate(b.emitted_on))}</td>
<td class="num">${e(b.titres)}</td>
<td class="num">${money(b.total_cents)}</td>
<td><span class="status">${e(b.state_label)}</span>${reasons}${replaced}</td>
<td><div class="row-actions"><a class="button-link is-secondary" href="${e(fileHref(b.id))}" download="${e(b.file_name)}">Télécharger<span class="visually-hidden"> le fichier ${e(b.file_name)}</span></a>${again}</div></td>
</tr>`;
  }).join('');
  return `<div class="table-scroll" tabindex="0"><table class="data-table bordereaux">
<caption class="visually-hidden">Bordereaux de titres du mois</caption>
<thead><tr><th scope="col">N° de bordereau</th><th scope="col">Envoi</th><th scope="col">Émis le</th><th scope="col" class="num">Titres</th><th scope="col" class="num">Montant</th><th scope="col">État</th><th scope="col"><span class="visually-hidden">Fichier et actions</span></th></tr></thead>
<tbody>${rows}</tbody></table></div>`;
}

/**
 * A family's invoices for the staff: N° | Période | Date | Montant | État, then
 * "PDF" and, unless already cancelled, "Émettre un avoir". `pdfHref(id)` gives the PDF's
 * address.
 */
export function staffInvoicesTable(invoices, pdfHref) {
  if (!invoices.length) return '<p class="empty">Aucune facture.</p>';
  const rows = invoices.map((inv) => {
    const id = inv.id ?? inv.number;
    const pdf = `<a class="button-link is-secondary" href="${e(pdfHref(id))}" target="_blank" rel="noopener">PDF<span class="visually-hidden"> de la facture ${e(inv.number)} (nouvel onglet)</span></a>`;
    const credit = inv.status === 'cancelled' || inv.credit_note
      ? ''
      : `<button type="button" class="credit-note" data-invoice-id="${e(id)}" data-number="${e(inv.number)}" data-total="${e(inv.total_cents)}">Émettre un avoir<span class="visually-hidden"> sur la facture ${e(inv.number)}</span></button>`;
    return `<tr role="row" class="invoice is-${e(inv.status)}">
${invoiceCells(inv)}
${cell('Actions', `<div class="row-actions">${pdf}${credit}</div>`, 'inv-actions')}
</tr>`;
  }).join('');
  return `<div class="table-scroll" tabindex="0"><table class="data-table invoices stackable" role="table">
<caption class="visually-hidden">Factures de la famille</caption>
${headRow([...INVOICE_COLUMNS, { text: 'Actions', hidden: true }])}
<tbody role="rowgroup">${rows}</tbody></table></div>`;
}

/** The options of "Affecter à": oldest first, or one of the invoices still to pay. */
export function allocationOptions(invoices, selected = '') {
  const open = invoices.filter((inv) => (inv.status === 'unpaid' || inv.status === 'partial')
    && Number(inv.remaining_cents) > 0);
  const first = `<option value=""${selected ? '' : ' selected'}>Les factures les plus anciennes d'abord</option>`;
  return first + open.map((inv) => {
    const id = inv.id ?? inv.number;
    return `<option value="${e(id)}"${id === selected ? ' selected' : ''}>Facture ${e(inv.number)} (${e(monthText(inv.month))}) : reste ${e(formatMoney(inv.remaining_cents))}</option>`;
  }).join('');
}

/** The titres (invoices issued in titres mode) still awaiting money from the Treasury. */
export function titreOptions(invoices, selected = '') {
  return invoices.filter((inv) => inv.collection === 'titres'
    && (inv.status === 'unpaid' || inv.status === 'partial') && Number(inv.remaining_cents) > 0)
    .map((inv) => {
      const id = inv.id ?? inv.number;
      return `<option value="${e(id)}"${id === selected ? ' selected' : ''}>Titre ${e(inv.number)} (${e(monthText(inv.month))}) : reste ${e(formatMoney(inv.remaining_cents))}</option>`;
    }).join('');
}

const TREASURY_STATUSES = {
  recorded: 'Enregistré',
  already_recorded: 'Déjà enregistré',
  unknown_titre: 'Titre inconnu',
  not_a_titre: 'Facture de régie',
  cancelled_titre: 'Titre annulé',
  above_remaining: 'Montant trop élevé',
  invalid_row: 'Ligne illisible',
};

/** The report of a Treasury payments import: one row per line of the file. */
export function treasuryImportReport(report) {
  const summary = report.summary || {};
  const rows = (report.rows || []).map((row) => `<tr role="row" class="is-${e(row.status)}">
<td role="cell" class="num">${e(row.line)}</td>
<td role="cell" class="nowrap">${e(row.titre)}</td>
<td role="cell">${e(row.family || '')}</td>
<td role="cell" class="num">${row.amount_cents === null || row.amount_cents === undefined ? '' : e(formatMoney(row.amount_cents))}</td>
<td role="cell" class="nowrap">${row.date ? e(formatDotDate(row.date)) : ''}</td>
<td role="cell"><strong>${e(TREASURY_STATUSES[row.status] || row.status)}</strong> : ${e(row.message)}</td>
</tr>`).join('');
  return `<p class="import-summary">${e(summary.recorded ?? 0)} paiement(s) enregistré(s) pour ${e(formatMoney(summary.recorded_cents ?? 0))} ; ${e(summary.already_recorded ?? 0)} déjà enregistré(s) ; ${e(summary.refused ?? 0)} refusé(s).</p>
<div class="table-scroll" tabindex="0"><table class="data-table treasury-report" role="table">
<caption class="visually-hidden">Compte rendu de l'import, ligne par ligne</caption>
<thead role="rowgroup"><tr role="row"><th scope="col" role="columnheader" class="num">Ligne</th><th scope="col" role="columnheader">Titre</th><th scope="col" role="columnheader">Famille</th><th scope="col" role="columnheader" class="num">Montant</th><th scope="col" role="columnheader">Date</th><th scope="col" role="columnheader">Résultat</th></tr></thead>
<tbody role="rowgroup">${rows}</tbody></table></div>`;
}

/** The payment methods staff record, as the API names them. */
export const PAYMENT_METHODS = [
  { value: 'cheque', label: 'Chèque' },
  { value: 'especes', label: 'Espèces' },
  { value: 'cesu', label: 'CESU' },
  { value: 'virement', label: 'Virement' },
  { value: 'prelevement', label: 'Prélèvement' },
];

/** A payment method's French name. */
export function paymentMethodLabel(code) {
  const found = PAYMENT_METHODS.find((m) => m.value === code);
  return found ? found.label : String(code ?? '');
}

// Tariffs ----------------------------------------------------------------------------------------

/** The price brackets in words: "Quotient familial jusqu'à 567 : 1,00 €", "… au-delà de 567 : 3,50 €". */
export function bracketLines(prices) {
  const list = Array.isArray(prices) ? prices : [];
  if (list.length === 1) return [`Prix unique : ${formatMoney(list[0].price_cents)}`];
  let previous = null;
  return list.map((b) => {
    let what;
    if (b.max_qf === null || b.max_qf === undefined) {
      what = previous === null ? 'Quotient familial : tous' : `Quotient familial au-delà de ${previous}`;
    } else if (previous === null) {
      what = `Quotient familial jusqu'à ${b.max_qf}`;
    } else {
      what = `Quotient familial de ${Number(previous) + 1} à ${b.max_qf}`;
    }
    previous = b.max_qf;
    return `${what} : ${formatMoney(b.price_cents)}`;
  });
}

function unitText(t) {
  if (t.unit === 'block') return `Par tranche commencée de ${t.block_minutes} minutes`;
  return 'Par séance';
}

function lateText(t) {
  if (!t.late_fee_cents) return 'Aucune';
  return t.late_fee_per_minutes
    ? `${formatMoney(t.late_fee_cents)} par tranche de retard de ${t.late_fee_per_minutes} minutes`
    : `${formatMoney(t.late_fee_cents)} (forfait)`;
}

function unbookedText(t) {
  const u = t.unbooked;
  if (!u) return 'Pas de majoration';
  return u.kind === 'fixed' ? `Prix fixe : ${formatMoney(u.value)}` : `+ ${u.value} %`;
}

function siblingText(t) {
  return t.sibling_reduction_percent
    ? `${t.sibling_reduction_percent} % à partir du 2e enfant`
    : 'Aucune';
}

const TARIFF_STATES = {
  current: '<span class="badge is-booked">En vigueur</span>',
  future: '<span class="badge is-locked">À venir</span>',
  past: '<span class="badge">Remplacé</span>',
};

/**
 * The tariffs, one group per service (in the commune's order), newest first, each marked
 * "En vigueur", "À venir" or "Remplacé" on `today`, with "Reprendre dans le formulaire".
 */
export function tariffsList(tariffs, services, today) {
  if (!tariffs.length) return '<p class="empty">Aucun tarif n\'est encore défini.</p>';
  const order = services.map((s) => s.code);
  const labels = new Map(services.map((s) => [s.code, s.label]));
  const codes = [...new Set(tariffs.map((t) => t.service))]
    .sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99));
  return codes.map((code) => {
    const label = labels.get(code) || code;
    const own = tariffs
      .map((t, index) => ({ t, index }))
      .filter((x) => x.t.service === code)
      .sort((a, b) => String(b.t.effective_from).localeCompare(String(a.t.effective_from)));
    const current = own.find((x) => String(x.t.effective_from) <= today);
    const cards = own.map(({ t, index }) => {
      let state = 'past';
      if (String(t.effective_from) > today) state = 'future';
      else if (current && current.index === index) state = 'current';
      const id = `tariff-${e(index)}`;
      const from = formatLongDate(t.effective_from);
      return `<article class="tariff-card is-${state}" aria-labelledby="${id}">
<h4 id="${id}">À partir du ${e(from)} ${TARIFF_STATES[state]}</h4>
<dl class="details">
<div><dt>Prix</dt><dd>${bracketLines(t.prices).map(e).join('<br>')}</dd></div>
<div><dt>Unité</dt><dd>${e(unitText(t))}</dd></div>
<div><dt>Pénalité de retard</dt><dd>${e(lateText(t))}</dd></div>
<div><dt>Présence sans réservation</dt><dd>${e(unbookedText(t))}</dd></div>
<div><dt>Réduction fratrie</dt><dd>${e(siblingText(t))}</dd></div>
</dl>
<p><button type="button" class="copy-tariff" data-index="${e(index)}">Reprendre dans le formulaire<span class="visually-hidden"> le tarif ${e(label)} du ${e(from)}</span></button></p>
</article>`;
    }).join('');
    return `<section class="tariff-group" aria-labelledby="tariffs-${e(code)}"><h3 id="tariffs-${e(code)}">${e(label)}</h3>${cards}</section>`;
  }).join('');
}

/** The price brackets editor: one fieldset per bracket ("Tranche 1", …). */
export function bracketRows(rows) {
  const last = rows.length - 1;
  return rows.map((row, i) => {
    const p = `bracket-${i}`;
    const f = `tariff.prices[${i}]`;
    const remove = rows.length > 1
      ? `<button type="button" class="remove-bracket" data-index="${i}">Retirer<span class="visually-hidden"> la tranche ${i + 1}</span></button>`
      : '';
    return `<fieldset class="bracket-row" data-field="${e(f)}">
<legend>Tranche ${i + 1}${i === last && last > 0 ? ' (et au-delà)' : ''}</legend>
<div class="bracket-fields">
<div class="field"><label for="${p}-qf">Quotient familial jusqu'à</label><input id="${p}-qf" class="bracket-qf" type="text" inputmode="numeric" autocomplete="off"${i === last ? ' placeholder="et au-delà"' : ''} data-field="${e(f)}.max_qf" value="${e(row.max_qf)}"></div>
<div class="field"><label for="${p}-price">Prix (€)</label><input id="${p}-price" class="bracket-price" type="text" inputmode="decimal" autocomplete="off" data-field="${e(f)}.price_cents" value="${e(row.price)}"></div>
${remove}
</div>
</fieldset>`;
  }).join('');
}

/** The services a tariff may be set for, as <option>s (the commune's labels). */
export function serviceOptions(services, selected) {
  return services.map((s) => `<option value="${e(s.code)}"${s.code === selected ? ' selected' : ''}>${e(s.label)}${s.mode === 'off' ? ' (désactivée)' : ''}</option>`).join('');
}

// --- Listes d'attente ---------------------------------------------------------------------

/** A day's services with places: "2 / 3 places confirmées" and the waiting list in order. */
export function waitingListsView(answer) {
  const services = (answer && answer.services) || [];
  if (!services.length) {
    return '<p class="empty">Aucune prestation n\'est limitée en places (voir Paramètres).</p>';
  }
  const date = answer.date;
  return services.map((s) => {
    const heading = `${e(s.label)} – ${e(formatLongDate(date))}`;
    const counts = `<p>${e(s.confirmed)} inscription(s) confirmée(s) sur ${e(s.places)} place(s)${s.free ? ` ; ${e(s.free)} place(s) libre(s)` : ' ; complet'}.</p>`;
    const entries = s.waiting || [];
    const rows = entries.map((w) => {
      const name = `${w.first_name} ${w.last_name}`.trim() || w.child_id;
      const data = `data-date="${e(date)}" data-service="${e(s.service)}" data-child="${e(w.child_id)}" data-name="${e(name)}"`;
      return `<tr><td>${e(w.rank)}</td><td>${e(name)}</td><td>${e(w.family_name)} (n° ${e(w.family_number)})</td>`
        + `<td><button type="button" data-action="promote" ${data}${s.free ? '' : ' disabled'}>Donner la place</button> `
        + `<button type="button" data-action="remove" ${data}>Retirer</button></td></tr>`;
    }).join('');
    const table = entries.length
      ? `<table class="data-table"><caption>Liste d'attente, dans l'ordre</caption><thead><tr><th scope="col">Rang</th><th scope="col">Enfant</th><th scope="col">Famille</th><th scope="col">Actions</th></tr></thead><tbody>${rows}</tbody></table>`
      : '<p class="empty">Personne en liste d\'attente.</p>';
    return `<section class="card"><h2>${heading}</h2>${counts}${table}</section>`;
  }).join('');
}
