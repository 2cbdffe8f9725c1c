/**
 * api.js — the only module that talks to the server.
 *
 * Every call is same-origin (`/api/...`), sends the session cookie, sends JSON bodies and
 * returns the parsed JSON answer (or null for 204). Every write (POST, PUT, DELETE) says
 * `Content-Type: application/json`, even without a body: the server refuses any other
 * write, which is what keeps another site's pages from writing with the user's cookie. Any non-2xx answer becomes an
 * ApiError carrying the server's `{"error": {"code", "message", "details"}}`.
 * Nothing here touches the DOM or navigates: callers decide what an error means.
 */

/** An error answer from the API (or a network failure, with status 0). */
export class ApiError extends Error {
  constructor(status, code, message, details = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** French fallbacks when the server gave no usable error body (proxy page, crash). */
const FALLBACK_MESSAGES = {
  0: 'Le serveur est injoignable. Vérifiez votre connexion puis réessayez.',
  400: 'La demande est invalide.',
  401: 'Veuillez vous connecter.',
  403: 'Accès refusé.',
  404: 'Ressource introuvable.',
  409: 'Les données ont été modifiées entre-temps. Veuillez réessayer.',
  422: 'La demande ne peut pas être traitée.',
  429: 'Trop de tentatives. Veuillez patienter avant de réessayer.',
};

function fallbackMessage(status) {
  if (FALLBACK_MESSAGES[status]) return FALLBACK_MESSAGES[status];
  if (status >= 500) return 'Le service est momentanément indisponible. Veuillez réessayer plus tard.';
  return 'Une erreur est survenue. Veuillez réessayer.';
}

// Answers that know the commune's name carry it as `commune_name`, with its accessibility
// state as `commune_accessibility` (the family pages get both with the family, at no
// cost); whoever draws the header and the footer listens here.
const communeListeners = [];

/** Call `listener(name, accessibility)` each time an answer carries the commune's name
 * (`accessibility`: "totalement", "partiellement", "non", or '' when not told). */
export function onCommuneName(listener) {
  communeListeners.push(listener);
}

function noteCommuneName(data) {
  if (!data || typeof data !== 'object') return;
  const found = typeof data.commune_name === 'string' ? data
    : (data.family && typeof data.family === 'object' && typeof data.family.commune_name === 'string'
      ? data.family : null);
  if (!found) return;
  const state = typeof found.commune_accessibility === 'string' ? found.commune_accessibility : '';
  communeListeners.forEach((listener) => listener(found.commune_name, state));
}

// Signed-in activity: the server ends a session an hour after the last call it answered
// (recorded at most every five minutes). Whoever warns before that listens here:
// `listener(true)` after each answer to a signed-in call, `listener(false)` once the
// session is known to be over (signed out, or a 401).
const sessionListeners = [];
const PUBLIC_PATHS = ['/api/commune', '/api/auth/password/', '/api/auth/email/confirm',
  '/api/dev/', '/api/health'];

/** Call `listener(alive)` as signed-in calls are answered (see above). */
export function onSessionActivity(listener) {
  sessionListeners.push(listener);
}

function noteSession(path, status) {
  if (PUBLIC_PATHS.some((prefix) => path.startsWith(prefix))) return;
  if (path.startsWith('/api/auth/login') && status !== 200) return;
  const alive = status >= 200 && status < 300 ? !path.startsWith('/api/auth/logout')
    : (status === 401 ? false : null);
  if (alive !== null) sessionListeners.forEach((listener) => listener(alive));
}

async function request(method, path, body, headers = {}) {
  const init = {
    method,
    credentials: 'same-origin',
    cache: 'no-store',
    headers: { Accept: 'application/json', ...headers },
  };
  if (method !== 'GET' && method !== 'HEAD') {
    init.headers['Content-Type'] = 'application/json';
  }
  if (body !== undefined) {
    init.body = JSON.stringify(body);
  }

  let response;
  try {
    response = await fetch(path, init);
  } catch (cause) {
    throw new ApiError(0, 'network_error', fallbackMessage(0), null);
  }

  noteSession(path, response.status);
  const text = response.status === 204 ? '' : await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch (cause) {
      data = null;
    }
  }

  if (!response.ok) {
    const error = data && typeof data === 'object' && data.error && typeof data.error === 'object'
      ? data.error
      : {};
    throw new ApiError(
      response.status,
      typeof error.code === 'string' ? error.code : `http_${response.status}`,
      typeof error.message === 'string' && error.message ? error.message : fallbackMessage(response.status),
      error.details === undefined ? null : error.details,
    );
  }
  noteCommuneName(data);
  return data;
}

/** GET /api/commune → {name}: the commune's name, for pages that read nothing else. */
export async function getCommune() {
  const data = await request('GET', '/api/commune');
  noteCommuneName(data && { commune_name: data.name, commune_accessibility: data.accessibility });
  return data;
}

/** GET /api/commune/legal → {name, accessibility: {…}, privacy: {…}} (no sign-in). */
export async function getLegalNotices() {
  const data = await request('GET', '/api/commune/legal');
  noteCommuneName(data && {
    commune_name: data.name,
    commune_accessibility: data.accessibility && data.accessibility.status,
  });
  return data;
}

const enc = encodeURIComponent;

// --- Authentication -------------------------------------------------------------------

/** POST /api/auth/login → {role, name, must_change_password} */
export function login(loginName, password) {
  return request('POST', '/api/auth/login', { login: loginName, password });
}

/** POST /api/auth/logout */
export function logout() {
  return request('POST', '/api/auth/logout', {});
}

/** GET /api/auth/me → {role, name, staff_role?: "admin" | "agent" | "kitchen", email?} */
export function getMe() {
  return request('GET', '/api/auth/me');
}

/** POST /api/auth/password/forgot → 202 {message} */
export function forgotPassword(email) {
  return request('POST', '/api/auth/password/forgot', { email });
}

/** POST /api/auth/password/reset → 204 */
export function resetPassword(token, password) {
  return request('POST', '/api/auth/password/reset', { token, password });
}

/** POST /api/auth/email/confirm {token} → {email, message}: a new second address is confirmed */
export function confirmEmail(token) {
  return request('POST', '/api/auth/email/confirm', { token });
}

/** POST /api/auth/password/change → 204 */
export function changePassword(currentPassword, password, endOtherSessions) {
  return request('POST', '/api/auth/password/change', {
    current_password: currentPassword,
    password,
    end_other_sessions: Boolean(endOtherSessions),
  });
}

// --- Family ---------------------------------------------------------------------------

/**
 * GET /api/family/home → {family, statement, bookings}: the home page in one call (the
 * shapes of getFamily, getStatement(5) and getFamilyBookings over the next 90 days).
 */
export function getHome() {
  return request('GET', '/api/family/home');
}

/**
 * GET /api/family → {number, name, emails, pending_email, phones, address, children, today}.
 * `pending_email`: a second address waiting for its owner to follow the link sent to it.
 */
export function getFamily() {
  return request('GET', '/api/family');
}

/**
 * PUT /api/family {phones, address, second_email} → the family (same shape as getFamily).
 * `second_email` is null to remove the second address.
 */
export function updateFamily(details) {
  return request('PUT', '/api/family', {
    phones: details.phones,
    address: details.address,
    second_email: details.second_email === '' ? null : details.second_email,
    reminders: details.reminders,
    receipts: details.receipts,
  });
}

/** Address of the family's data export (GET, a JSON file), for a `download` link. */
export const FAMILY_EXPORT_URL = '/api/family/export';

/** GET /api/family/bookings?from&to → {services, children: [{id, days}]} */
export function getFamilyBookings(from, to) {
  return request('GET', `/api/family/bookings?from=${enc(from)}&to=${enc(to)}`);
}

/**
 * GET /api/children/{id}/calendar[?month=YYYY-MM] → {child, month, services, days, family,
 * menus}; without a month, the commune's current one.
 */
export function getCalendar(childId, month) {
  const query = month ? `?month=${enc(month)}` : '';
  return request('GET', `/api/children/${enc(childId)}/calendar${query}`);
}

/** PUT /api/children/{id}/bookings {changes:[{date, service, booked}]} → {saved} */
export function saveBookings(childId, changes) {
  return request('PUT', `/api/children/${enc(childId)}/bookings`, { changes });
}

/** POST /api/children/{id}/bookings/period → {saved, skipped} */
export function bookPeriod(childId, period) {
  return request('POST', `/api/children/${enc(childId)}/bookings/period`, {
    from: period.from,
    to: period.to,
    services: period.services,
    weekdays: period.weekdays,
    booked: Boolean(period.booked),
  });
}

/** GET /api/family/typical-weeks → {school_days, services, children: [{child, saved, days}]} */
export function getTypicalWeeks() {
  return request('GET', '/api/family/typical-weeks');
}

/** PUT /api/children/{id}/typical-week {days: {"1": [codes]}} → {child, saved, days} */
export function saveTypicalWeek(childId, days) {
  return request('PUT', `/api/children/${enc(childId)}/typical-week`, { days });
}

/** POST /api/family/typical-weeks/apply → {children, saved, days, skipped_days} */
export function applyTypicalWeeks(children, from, to, recurrence) {
  return request('POST', '/api/family/typical-weeks/apply', {
    children, from, to, recurrence,
  });
}

// --- Family account and invoices -------------------------------------------------------

/**
 * GET /api/family/statement[?limit=N] → {balance_cents, lines: [{date, type, type_label,
 * reference, invoice, debit_cents, credit_cents, balance_cents}], total}, newest first.
 * Without a limit, every line.
 */
export function getStatement(limit = null) {
  return request('GET', `/api/family/statement${limit ? `?limit=${enc(limit)}` : ''}`);
}

/**
 * GET /api/family/invoices → {invoices: [{id, number, month, issued_on, total_cents,
 * status: "unpaid" | "paid" | "cancelled", credit_note}]}, newest first.
 */
export function getInvoices() {
  return request('GET', '/api/family/invoices');
}

/** Address of an invoice's PDF (GET, application/pdf), for a plain link: the cookie goes along. */
export function invoicePdfUrl(invoiceId) {
  return `/api/family/invoices/${enc(invoiceId)}/pdf`;
}

/** POST /api/family/invoices/{id}/payfip → {redirect_url} (where PayFip takes the payment) */
export function startPayfip(invoiceId) {
  return request('POST', `/api/family/invoices/${enc(invoiceId)}/payfip`, {});
}

/** GET /api/family/payfip/return?idop → {status: "paid" | "refused" | "pending", message} */
export function getPayfipReturn(idop) {
  return request('GET', `/api/family/payfip/return?idop=${enc(idop)}`);
}

// --- Staff ----------------------------------------------------------------------------

/** POST /api/staff/families → 201 {number} */
export function createFamily(family) {
  return request('POST', '/api/staff/families', {
    name: family.name,
    emails: family.emails,
    phones: family.phones,
    address: family.address,
  });
}

/** POST /api/staff/families/{number}/children → 201 {id} */
export function addChild(familyNumber, child) {
  return request('POST', `/api/staff/families/${enc(familyNumber)}/children`, {
    first_name: child.first_name,
    last_name: child.last_name,
  });
}

/**
 * GET /api/staff/families?q&cursor → {families: [{number, name, emails, archived,
 * children_count}], next: cursor | null}. `q` is a name prefix, a number or an e-mail.
 */
export function searchFamilies(q = '', cursor = null) {
  const params = new URLSearchParams({ q: q || '' });
  if (cursor) params.set('cursor', cursor);
  return request('GET', `/api/staff/families?${params}`);
}

/**
 * GET /api/staff/families/{number} → {number, name, emails, phones, address, archived,
 * income: {qf, effective_from}, children: [{id, first_name, last_name, school, class_name,
 * meal_type, allergies, pickup_people, archived}]}
 */
export function getStaffFamily(number) {
  return request('GET', `/api/staff/families/${enc(number)}`);
}

/** PUT /api/staff/families/{number} {name, emails, phones, address, income} → the family */
export function updateStaffFamily(number, family) {
  return request('PUT', `/api/staff/families/${enc(number)}`, {
    name: family.name,
    emails: family.emails,
    phones: family.phones,
    address: family.address,
    income: { qf: family.income.qf, effective_from: family.income.effective_from },
  });
}

/** POST /api/staff/families/{number}/credentials → 202 {message} (new temporary password) */
export function resendCredentials(number) {
  return request('POST', `/api/staff/families/${enc(number)}/credentials`, {});
}

/** POST /api/staff/families/{number}/archive → the family */
export function archiveFamily(number) {
  return request('POST', `/api/staff/families/${enc(number)}/archive`, {});
}

/** POST /api/staff/families/{number}/unarchive → the family */
export function unarchiveFamily(number) {
  return request('POST', `/api/staff/families/${enc(number)}/unarchive`, {});
}

/**
 * PUT /api/staff/families/{number}/children/{id} {first_name, last_name, school,
 * class_name, meal_type, allergies, pickup_people, birth_date} → the child
 */
export function updateChild(number, childId, child) {
  return request('PUT', `/api/staff/families/${enc(number)}/children/${enc(childId)}`, {
    first_name: child.first_name,
    last_name: child.last_name,
    school: child.school,
    class_name: child.class_name,
    meal_type: child.meal_type,
    allergies: child.allergies,
    pickup_people: child.pickup_people,
    birth_date: child.birth_date,
  });
}

/** POST /api/staff/families/{number}/children/{id}/archive → the child */
export function archiveChild(number, childId) {
  return request('POST', `/api/staff/families/${enc(number)}/children/${enc(childId)}/archive`, {});
}

/**
 * GET /api/staff/settings → {name, zone, school_days, services: [{code, label, mode,
 * deadline: {booking, cancellation} | null, closing_time, price_cents}], closures, version}
 */
export function getSettings() {
  return request('GET', '/api/staff/settings');
}

/** PUT /api/staff/settings {name, zone, school_days, services, version} → the settings (409 when stale) */
export async function updateSettings(settings) {
  const saved = await request('PUT', '/api/staff/settings', {
    name: settings.name,
    zone: settings.zone,
    school_days: settings.school_days,
    services: settings.services,
    billing_auto_confirm: settings.billing_auto_confirm,
    collection: settings.collection,
    reminders: settings.reminders,
    sickness: settings.sickness,
    direct_debit: settings.direct_debit,
    accessibility: settings.accessibility,
    privacy: settings.privacy,
    version: settings.version,
  });
  // The header and the footer (« Accessibilité : … ») follow what was just saved.
  noteCommuneName(saved && {
    commune_name: saved.name,
    commune_accessibility: saved.accessibility && saved.accessibility.status,
  });
  return saved;
}

/**
 * POST /api/staff/closures {start, end, label} → 201 {id, start, end, label, released:
 * {released, families, invoiced_months, invoiced_months_labels}} (the bookings it cancelled)
 */
export function addClosure(closure) {
  return request('POST', '/api/staff/closures', {
    start: closure.start,
    end: closure.end,
    label: closure.label,
  });
}

/** DELETE /api/staff/closures/{id} → 204 */
export function deleteClosure(closureId) {
  return request('DELETE', `/api/staff/closures/${enc(closureId)}`);
}

/**
 * GET /api/staff/attendance?date&service → {date, service, label, mode, closing_time,
 * services: [{code, label, mode}], children: [{child_id, first_name, last_name,
 * family_number, family_name, class_name, meal_type, allergies, pickup_people, booked,
 * record: null | {status, arrival, departure, justified, reason, late_minutes}}]}.
 * Without a date (or service) the server picks today (and its default service).
 */
export function getAttendance(date = null, service = null) {
  const params = new URLSearchParams();
  if (date) params.set('date', date);
  if (service) params.set('service', service);
  const query = params.toString();
  return request('GET', `/api/staff/attendance${query ? `?${query}` : ''}`);
}

/**
 * PUT /api/staff/attendance {date, service, child_id, status, arrival, departure,
 * justified, reason} → the record {status, arrival, departure, justified, reason, late_minutes}
 */
export function saveAttendance(entry) {
  return request('PUT', '/api/staff/attendance', {
    date: entry.date,
    service: entry.service,
    child_id: entry.child_id,
    status: entry.status,
    arrival: entry.arrival || null,
    departure: entry.departure || null,
    justified: Boolean(entry.justified),
    reason: entry.reason || '',
  });
}

/**
 * GET /api/staff/headcounts?from&to → {days: [{date, service, label, total,
 * by_meal_type: {standard, sans_porc, vegetarien, panier_pai}, locked}]}
 */
export function getHeadcounts(from, to) {
  return request('GET', `/api/staff/headcounts?from=${enc(from)}&to=${enc(to)}`);
}

/** GET /api/staff/waiting-lists?date= → {date, services: [{service, label, places, confirmed, free, waiting}]} */
export function getWaitingLists(date) {
  return request('GET', `/api/staff/waiting-lists?date=${enc(date)}`);
}

/** POST /api/staff/waiting-lists/promote {date, service, child_id} → {promoted} */
export function promoteWaiting(entry) {
  return request('POST', '/api/staff/waiting-lists/promote', entry);
}

/** POST /api/staff/waiting-lists/remove {date, service, child_id} → {removed} */
export function removeWaiting(entry) {
  return request('POST', '/api/staff/waiting-lists/remove', entry);
}

/** PUT /api/staff/menus/{monday} {days: [{date, vegetarian, dishes: [{name, allergens}]}]} → the week */
export function saveMenus(monday, days) {
  return request('PUT', `/api/staff/menus/${enc(monday)}`, { days });
}

/**
 * Address of a CSV export (GET /api/staff/exports/{name}.csv?from&to; name is headcounts,
 * bookings, attendance or families), for a plain `download` link: the session cookie goes along.
 */
export function exportUrl(name, from, to) {
  return `/api/staff/exports/${enc(name)}.csv?from=${enc(from)}&to=${enc(to)}`;
}

/**
 * POST /api/staff/export-jobs {export, from, to} with `Idempotency-Key: key` → 202 the job
 * {id, export, from, to, state, rows, pages_done, pages_total, file_name, size, failure,
 * created_at, ended_at, download_url, download_expires_at}: the file of any size, written
 * in the background. The same key again answers the same job.
 */
export function createExportJob(name, from, to, key) {
  return request('POST', '/api/staff/export-jobs', { export: name, from, to },
    { 'Idempotency-Key': key });
}

/**
 * GET /api/staff/export-jobs/{id} → the job: `state` queued, running (rows written so far),
 * done (`download_url`, valid 15 minutes), failed (`failure`) or expired.
 */
export function getExportJob(id) {
  return request('GET', `/api/staff/export-jobs/${enc(id)}`);
}

/**
 * GET /api/staff/jobs/runs?job (lock, invoice, reminders or purge) → {runs: [{id, job, trigger, started_at,
 * ended_at, outcome, summary, frozen_count, error}]}
 */
export function getJobRuns(job) {
  return request('GET', `/api/staff/jobs/runs?job=${enc(job)}`);
}

/** POST /api/staff/jobs/lock → {run, frozen: [{date, service}]} (lock the due slots now) */
export function runLock() {
  return request('POST', '/api/staff/jobs/lock', {});
}

// --- Staff: billing (administrators) ------------------------------------------------------

/**
 * GET /api/staff/tariffs → {tariffs: [{service, effective_from, prices: [{max_qf, price_cents}],
 * unit: "session" | "block", block_minutes, late_fee_cents, late_fee_per_minutes,
 * unbooked: {kind: "percent" | "fixed", value} | null, sibling_reduction_percent}]}
 */
export function getTariffs() {
  return request('GET', '/api/staff/tariffs');
}

/** POST /api/staff/tariffs (same shape) → 201 the tariff (400 names e.g. `tariff.prices[1].price_cents`) */
export function createTariff(tariff) {
  return request('POST', '/api/staff/tariffs', {
    service: tariff.service,
    effective_from: tariff.effective_from,
    prices: tariff.prices,
    unit: tariff.unit,
    block_minutes: tariff.block_minutes,
    late_fee_cents: tariff.late_fee_cents,
    late_fee_per_minutes: tariff.late_fee_per_minutes,
    unbooked: tariff.unbooked,
    sibling_reduction_percent: tariff.sibling_reduction_percent,
  });
}

/**
 * GET /api/staff/billing/{month} → the month's draft: {month, status: null | "building" |
 * "draft" | "confirmed" | "interrupted", over, built_at, confirmed_at, summary,
 * families: [{number, name, total_cents, lines: [{child_name, label, quantity,
 * unit_price_cents, amount_cents, days}], anomalies: [{code, level, message, date}],
 * invoice, ignored, blocking}]}
 */
export function getBillingMonth(month) {
  return request('GET', `/api/staff/billing/${enc(month)}`);
}

/**
 * POST /api/staff/billing/{month}/draft → {run, month, status, families, to_issue,
 * total_cents, blocking, …} (202 {started, message} when deployed; 409 `month_not_over`).
 */
export function buildDraft(month) {
  return request('POST', `/api/staff/billing/${enc(month)}/draft`, {});
}

/**
 * POST /api/staff/billing/{month}/confirm → {run, month, invoiced, skipped, total_cents,
 * repaired, repairs} (202 when deployed; 409 `draft_blocked` with details, `no_draft`…).
 */
export function confirmMonth(month) {
  return request('POST', `/api/staff/billing/${enc(month)}/confirm`, {});
}

/**
 * GET /api/staff/invoices?month[&state=unpaid] → {invoices: [{family, family_name, number,
 * month, issued_on, total_cents, status, status_label, paid_cents, remaining_cents,
 * credit_note}]}
 */
export function getMonthInvoices(month, unpaidOnly = false) {
  return request('GET', `/api/staff/invoices?month=${enc(month)}${unpaidOnly ? '&state=unpaid' : ''}`);
}

/** Address of any family's invoice PDF, for the staff. */
export function staffInvoicePdfUrl(number, invoiceId) {
  return `/api/staff/families/${enc(number)}/invoices/${enc(invoiceId)}/pdf`;
}

/** GET /api/staff/overpayments → {overpayments: [{id, family, family_name, invoice, amount_cents, reference, received_on, status}]} */
export function getOverpayments() {
  return request('GET', '/api/staff/overpayments');
}

/** POST /api/staff/overpayments/{id} {action: "refund" | "keep", method} → the overpayment (409 `already_settled`). */
export function settleOverpayment(id, action, method = 'virement') {
  return request('POST', `/api/staff/overpayments/${enc(id)}`, { action, method });
}

/**
 * GET /api/staff/billing/{month}/bordereaux → {month, titres_mode, notes, bordereaux: [{id,
 * number, attempt, state, state_label, titres, total_cents, emitted_on, file_name, reasons,
 * replaced_by, download, …}]} (titres de recette sent to the Treasury).
 */
export function getBordereaux(month) {
  return request('GET', `/api/staff/billing/${enc(month)}/bordereaux`);
}

/** Address of a bordereau's PES file (GET, application/xml), for a plain download link. */
export function bordereauFileUrl(id) {
  return `/api/staff/bordereaux/${enc(id)}/pes`;
}

/**
 * POST /api/staff/bordereaux/acknowledgements {content_base64, file_name} → {bordereaux}
 * (400 `invalid_acknowledgement`, `unknown_bordereau`).
 */
export function importAcknowledgement(contentBase64, fileName) {
  return request('POST', '/api/staff/bordereaux/acknowledgements',
    { content_base64: contentBase64, file_name: fileName });
}

/** POST /api/staff/bordereaux/{id}/reissue → the new attempt (409 `bordereau_not_rejected`). */
export function reissueBordereau(id) {
  return request('POST', `/api/staff/bordereaux/${enc(id)}/reissue`, {});
}

/**
 * GET /api/staff/billing/{month}/debits → {month, mode, enabled, count, total_cents,
 * debits: [{invoice, family, family_name, amount_cents, collection_date, rum, iban (masked),
 * sequence, amendment, status, status_label, notified, file, reject}], files: [{id, count,
 * total_cents, collection_dates}], reject_reasons: [{code, label}]}
 */
export function getDebits(month) {
  return request('GET', `/api/staff/billing/${enc(month)}/debits`);
}

/**
 * POST /api/staff/billing/{month}/debits/file → the month's debits, with `issued`: {file,
 * debits, moved, announced, cancelled} (409 `no_debits`, `debits_in_bordereau`,
 * `direct_debit_not_ready`).
 */
export function issueDebitFile(month) {
  return request('POST', `/api/staff/billing/${enc(month)}/debits/file`, {});
}

/** Address of a debit file (GET, application/xml), for a plain download link. */
export function debitFileUrl(month, id) {
  return `/api/staff/billing/${enc(month)}/debits/files/${enc(id)}/xml`;
}

/** POST /api/staff/billing/{month}/debits/{invoice}/reject {code, date} → {debit, mandate_status} */
export function rejectDebit(month, invoice, code, date) {
  return request('POST', `/api/staff/billing/${enc(month)}/debits/${enc(invoice)}/reject`,
    { code, date });
}

/** GET /api/staff/families/{number}/statement[?limit=N] → same shape as getStatement */
export function getStaffStatement(number, limit = null) {
  return request('GET', `/api/staff/families/${enc(number)}/statement${limit ? `?limit=${enc(limit)}` : ''}`);
}

/** GET /api/staff/families/{number}/invoices → same shape as getInvoices */
export function getStaffInvoices(number) {
  return request('GET', `/api/staff/families/${enc(number)}/invoices`);
}

/**
 * POST /api/staff/families/{number}/payments {amount_cents, method, reference, date,
 * invoice} with `Idempotency-Key: key` → 201 {date, type, reference, credit_cents, method,
 * invoice}. `method`: cheque, especes, cesu, virement, prelevement. The same key sent again
 * (a double click, a retry) gets the first answer and records nothing more.
 */
export function recordPayment(number, payment, key) {
  return request('POST', `/api/staff/families/${enc(number)}/payments`, {
    amount_cents: payment.amount_cents,
    method: payment.method,
    reference: payment.reference,
    date: payment.date,
    invoice: payment.invoice || null,
  }, { 'Idempotency-Key': key });
}

/**
 * POST /api/staff/families/{number}/treasury-payments {invoice, amount_cents, date,
 * reference} → 201 {family, invoice, date, type, method: "tresor", reference,
 * credit_cents}: a payment the Trésor public collected for a titre (titres mode). 409
 * `already_recorded`, `above_remaining`, `not_a_titre`, `cancelled_titre`.
 */
export function recordTreasuryPayment(number, payment) {
  return request('POST', `/api/staff/families/${enc(number)}/treasury-payments`, {
    invoice: payment.invoice,
    amount_cents: payment.amount_cents,
    date: payment.date,
    reference: payment.reference || null,
  });
}

/**
 * POST /api/staff/treasury-payments/import {csv} → {rows: [{line, titre, amount_cents,
 * date, family, status, message}], summary: {rows, recorded, recorded_cents,
 * already_recorded, refused}}. A row recorded before is not recorded again.
 */
export function importTreasuryPayments(csv) {
  return request('POST', '/api/staff/treasury-payments/import', { csv });
}

/**
 * POST /api/staff/families/{number}/invoices/{invoice}/credit-note {reason} → 201
 * {number, invoice, credit_cents} (409 `already_cancelled`).
 */
export function createCreditNote(number, invoiceId, reason) {
  return request('POST', `/api/staff/families/${enc(number)}/invoices/${enc(invoiceId)}/credit-note`, {
    reason: reason || '',
  });
}

/**
 * Address of a month's billing CSV (GET /api/staff/exports/{name}.csv?month=YYYY-MM; name is
 * invoices or ledger), for a plain `download` link.
 */
export function monthExportUrl(name, month) {
  return `/api/staff/exports/${enc(name)}.csv?month=${enc(month)}`;
}

/**
 * GET /api/staff/exports/{caf|meal_aid|meal_order}.csv: the State's reports, each with
 * its own parameters ({month}, {from, to} months, {week} a Monday).
 */
export function reportUrl(name, params) {
  const query = Object.entries(params).map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&');
  return `/api/staff/exports/${enc(name)}.csv?${query}`;
}

/** An e-mail as a path segment ("@" is legal there and kept readable). */
function emailSegment(email) {
  return enc(email).replace(/%40/g, '@');
}

/** GET /api/staff/accounts → {accounts: [{email, name, role}]} */
export function listStaffAccounts() {
  return request('GET', '/api/staff/accounts');
}

/** POST /api/staff/accounts {email, name, role} → 201 */
export function createStaffAccount(account) {
  return request('POST', '/api/staff/accounts', {
    email: account.email,
    name: account.name,
    role: account.role,
  });
}

/** PUT /api/staff/accounts/{email} {name, role} → the account */
export function updateStaffAccount(email, account) {
  return request('PUT', `/api/staff/accounts/${emailSegment(email)}`, {
    name: account.name,
    role: account.role,
  });
}

/** DELETE /api/staff/accounts/{email} → 204 */
export function deleteStaffAccount(email) {
  return request('DELETE', `/api/staff/accounts/${emailSegment(email)}`);
}

/** GET /api/staff/audit?from&to → {entries: [{at, who, action, target, before, after}]} */
export function getAudit(from, to) {
  return request('GET', `/api/staff/audit?from=${enc(from)}&to=${enc(to)}`);
}

// --- Menus (families and staff) ----------------------------------------------------------

/**
 * GET /api/menus?from&to → {allergens: {code: label}, days: [{date, vegetarian,
 * dishes: [{name, allergens: [code]}]}]}
 */
export function getMenus(from, to) {
  return request('GET', `/api/menus?from=${enc(from)}&to=${enc(to)}`);
}

// --- Local demo -------------------------------------------------------------------------

/** GET /api/dev/outbox → [{to, subject, text}] (local stack only) */
export function getOutbox() {
  return request('GET', '/api/dev/outbox');
}

// --- Sick days ("Mon enfant est malade") -----------------------------------------------

/** GET /api/family/sick-days → {sickness: {cutoff, billing, billing_label, …}, reports} */
export function getSickDays() {
  return request('GET', '/api/family/sick-days');
}

/**
 * POST /api/children/{id}/sick-days {date} → the report (201, or 200 when already reported;
 * 409 `sick_report_too_late`, `sick_report_cancel_instead`; 400 `not_booked`).
 */
export function reportSick(childId, date) {
  return request('POST', `/api/children/${enc(childId)}/sick-days`, { date });
}

/** POST …/sick-days/{date}/certificate {content_base64, content_type} → the report (201). */
export function uploadCertificate(childId, date, contentBase64, contentType) {
  return request('POST', `/api/children/${enc(childId)}/sick-days/${enc(date)}/certificate`,
    { content_base64: contentBase64, content_type: contentType });
}

/** Address of the family's own certificate file, for a plain link. */
export function certificateUrl(childId, date) {
  return `/api/children/${enc(childId)}/sick-days/${enc(date)}/certificate`;
}

/** GET /api/staff/sick-days?from&to[&pending=1] → {from, to, reports} */
export function getSickReports(from, to, pendingOnly = false) {
  return request('GET', `/api/staff/sick-days?from=${enc(from)}&to=${enc(to)}${pendingOnly ? '&pending=1' : ''}`);
}

/** Address of a certificate's file for the admin, for a plain link. */
export function staffCertificateUrl(childId, date) {
  return `/api/staff/sick-days/${enc(childId)}/${enc(date)}/certificate`;
}

/** POST /api/staff/sick-days/{child}/{date}/certificate/decision {decision, note} */
export function decideCertificate(childId, date, decision, note = '') {
  return request('POST', `/api/staff/sick-days/${enc(childId)}/${enc(date)}/certificate/decision`,
    { decision, note });
}


// --- Direct debit ("Prélèvement automatique") ------------------------------------------

/**
 * GET /api/family/mandate → {offer: {enabled, creditor_name, creditor_id, debit_day,
 * notice_days, text_version, text: [paragraphs]}, mandate: null | {rum, holder,
 * iban_masked, bic, status, status_label, signed_on, signed_at, channel, …}}
 */
export function getMandate() {
  return request('GET', '/api/family/mandate');
}

/**
 * POST /api/family/mandate {holder, iban, bic, accept, text_version} → the mandate (201
 * new; 200 another account under the same RUM, or unchanged). 400 `invalid_iban`,
 * `invalid_bic`, `bic_required`, `invalid_holder`, `mandate_not_accepted`; 409
 * `mandate_text_changed`, `direct_debit_off`.
 */
export function signMandate(mandate) {
  return request('POST', '/api/family/mandate', mandate);
}

/** POST /api/family/mandate/revoke {confirm: true} → the revoked mandate. */
export function revokeMandate() {
  return request('POST', '/api/family/mandate/revoke', { confirm: true });
}

/** Address of the family's mandate PDF, for a plain link. */
export const MANDATE_PDF_URL = '/api/family/mandate/pdf';

/** GET /api/staff/families/{n}/mandates → {enabled, mandates: [oldest first]} */
export function getStaffMandates(number) {
  return request('GET', `/api/staff/families/${enc(number)}/mandates`);
}

/** POST /api/staff/families/{n}/mandates {holder, iban, bic, signed_on} → the mandate (201). */
export function enterPaperMandate(number, mandate) {
  return request('POST', `/api/staff/families/${enc(number)}/mandates`, mandate);
}

/** POST /api/staff/families/{n}/mandates/{rum}/{suspend|resume|revoke} {reason} → the mandate. */
export function setMandateStatus(number, rum, action, reason = '') {
  return request('POST', `/api/staff/families/${enc(number)}/mandates/${enc(rum)}/${enc(action)}`,
    { reason });
}

/** Address of one of a family's mandate PDFs, for the staff. */
export function staffMandatePdfUrl(number, rum) {
  return `/api/staff/families/${enc(number)}/mandates/${enc(rum)}/pdf`;
}
