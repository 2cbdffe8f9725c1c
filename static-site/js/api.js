/**
 * api.js — the only module that talks to the server.
 *
 * Every call is same-origin (`/api/...`), sends the session cookie, sends JSON bodies and
 * returns the parsed JSON answer (or null for 204). Any non-2xx answer becomes an
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

async function request(method, path, body) {
  const init = {
    method,
    credentials: 'same-origin',
    cache: 'no-store',
    headers: { Accept: 'application/json' },
  };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }

  let response;
  try {
    response = await fetch(path, init);
  } catch (cause) {
    throw new ApiError(0, 'network_error', fallbackMessage(0), null);
  }

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

/** GET /api/auth/me → {role, name, staff_role?} */
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

/** POST /api/auth/password/change → 204 */
export function changePassword(currentPassword, password, endOtherSessions) {
  return request('POST', '/api/auth/password/change', {
    current_password: currentPassword,
    password,
    end_other_sessions: Boolean(endOtherSessions),
  });
}

// --- Family ---------------------------------------------------------------------------

/** GET /api/family → {number, name, emails, phones, address, children} */
export function getFamily() {
  return request('GET', '/api/family');
}

/** GET /api/family/bookings?from&to → {services, children: [{id, days}]} */
export function getFamilyBookings(from, to) {
  return request('GET', `/api/family/bookings?from=${enc(from)}&to=${enc(to)}`);
}

/** GET /api/children/{id}/calendar?month=YYYY-MM → {child, month, services, days} */
export function getCalendar(childId, month) {
  return request('GET', `/api/children/${enc(childId)}/calendar?month=${enc(month)}`);
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

// --- Local demo -------------------------------------------------------------------------

/** GET /api/dev/outbox → [{to, subject, text}] (local stack only) */
export function getOutbox() {
  return request('GET', '/api/dev/outbox');
}
