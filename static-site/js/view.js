/**
 * view.js — small DOM helpers shared by the page controllers.
 * HTML given to `render`/`showMessageHtml` must come from templates.js (already escaped).
 */

/** First element matching `selector` (throws when a page lacks a required element). */
export function $(selector, root = document) {
  const element = root.querySelector(selector);
  if (!element) throw new Error(`Élément introuvable : ${selector}`);
  return element;
}

/** First element matching `selector`, or null. */
export function maybe(selector, root = document) {
  return root.querySelector(selector);
}

/** All elements matching `selector`, as an array. */
export function $$(selector, root = document) {
  return [...root.querySelectorAll(selector)];
}

/** Replace an element's content with trusted (template-built) HTML. */
export function render(element, html) {
  element.innerHTML = html;
}

/** Show or hide an element with the `hidden` attribute. */
export function show(element, visible = true) {
  element.hidden = !visible;
}

const MESSAGE_KINDS = ['is-error', 'is-success', 'is-info'];

function setKind(element, kind) {
  element.classList.remove(...MESSAGE_KINDS);
  element.classList.add(`is-${kind}`);
}

/** Put a plain-text message in a message area (role="alert") and show it. */
export function showMessage(element, text, kind = 'error') {
  setKind(element, kind);
  element.textContent = text;
  element.hidden = false;
}

/** Put template-built HTML in a message area and show it. */
export function showMessageHtml(element, html, kind = 'error') {
  setKind(element, kind);
  element.innerHTML = html;
  element.hidden = false;
}

/** Empty and hide a message area. */
export function clearMessage(element) {
  element.textContent = '';
  element.hidden = true;
}

// The control that had the focus when its form (or itself) went busy.
const focusBeforeBusy = new WeakMap();

/**
 * Disable a form's controls (or one button) while a request runs. A disabled control
 * cannot keep the focus: the browser drops it to the top of the page, where a keyboard
 * user's next Tab would start again. So the control that had it gets it back once the
 * request is over, unless the page has put the focus somewhere else meanwhile.
 */
export function setBusy(target, busy) {
  if (!target) return;
  const active = document.activeElement;
  if (busy && active && active !== document.body && target.contains(active)) {
    focusBeforeBusy.set(target, active);
  }
  disable(target, busy);
  if (busy) return;
  const had = focusBeforeBusy.get(target);
  focusBeforeBusy.delete(target);
  const lost = !document.activeElement || document.activeElement === document.body;
  if (had && lost && had.isConnected && !had.disabled) had.focus({ preventScroll: true });
}

function disable(target, busy) {
  if (target instanceof HTMLFormElement) {
    target.setAttribute('aria-busy', busy ? 'true' : 'false');
    for (const control of target.querySelectorAll('button, input, select, textarea')) {
      if (busy) {
        if (!control.disabled) {
          control.dataset.busyDisabled = '1';
          control.disabled = true;
        }
      } else if (control.dataset.busyDisabled) {
        delete control.dataset.busyDisabled;
        control.disabled = false;
      }
    }
  } else {
    target.disabled = busy;
    target.setAttribute('aria-busy', busy ? 'true' : 'false');
  }
}

/** A query-string parameter of the current page, or null. */
export function queryParam(name) {
  return new URLSearchParams(window.location.search).get(name);
}

/**
 * A value carried after `#` (`#token=…`): the fragment never leaves the browser, so a
 * secret there reaches no server log. Read once, then the address bar is cleaned.
 */
export function fragmentParam(name) {
  return new URLSearchParams(window.location.hash.replace(/^#/, '')).get(name);
}

/** Replace the query string without reloading (so a reload shows the same view). */
export function replaceQuery(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== '') search.set(key, value);
  }
  const query = search.toString();
  window.history.replaceState(null, '', `${window.location.pathname}${query ? `?${query}` : ''}`);
}

/** Go to another page (kept in history). */
export function goTo(url) {
  window.location.assign(url);
}

/** Go to another page, replacing this one in history (for redirects). */
export function redirect(url) {
  window.location.replace(url);
}

/** Ask the parent to confirm (native dialog, no inline code needed). */
export function confirmAction(text) {
  return window.confirm(text);
}

/** Move keyboard focus to an element (making it focusable if needed). */
export function focus(element) {
  if (!element) return;
  if (!element.hasAttribute('tabindex') && !/^(A|BUTTON|INPUT|SELECT|TEXTAREA)$/.test(element.tagName)) {
    element.setAttribute('tabindex', '-1');
  }
  element.focus();
}

/** Set the page title (tab) as "<what> – Cantine et périscolaire". */
export function setDocumentTitle(what) {
  document.title = what ? `${what} – Cantine et périscolaire` : 'Cantine et périscolaire';
}

// --- Errors next to their field ------------------------------------------------------------

function cssString(value) {
  return String(value).replace(/["\\]/g, '\\$&');
}

/**
 * The control (or fieldset) an API error's `details.field` points at, inside `root`.
 * Controls name themselves with `data-field="a b"` (space-separated paths); a path with
 * no exact match falls back to its parents: "services[0].deadline.booking.time" →
 * "services[0].deadline.booking" → "services[0].deadline" → "services[0]" → "services".
 */
export function fieldFor(root, path) {
  let current = String(path || '');
  while (current) {
    const found = $$(`[data-field~="${cssString(current)}"]`, root)
      .find((el) => !el.closest('[hidden]'));
    if (found) return found;
    const cut = Math.max(current.lastIndexOf('.'), current.lastIndexOf('['));
    if (cut <= 0) break;
    current = current.slice(0, cut);
  }
  return null;
}

let fieldErrorCount = 0;

/**
 * Show `text` next to the field named by `path` (see fieldFor), mark it invalid and move
 * focus to it. Returns true when a field was found.
 */
export function showFieldError(root, path, text) {
  const control = fieldFor(root, path);
  if (!control) return false;
  fieldErrorCount += 1;
  const note = document.createElement('p');
  note.className = 'field-error';
  note.id = `field-error-${fieldErrorCount}`;
  note.textContent = text;
  if (control.tagName === 'FIELDSET') {
    const legend = control.querySelector(':scope > legend');
    if (legend) legend.after(note);
    else control.prepend(note);
    focus(control.querySelector('input, select, textarea') || control);
  } else {
    const holder = control.closest('.field, .field-check') || control;
    if (holder === control) control.after(note);
    else holder.append(note);
    control.setAttribute('aria-invalid', 'true');
    const described = (control.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
    control.setAttribute('aria-describedby', [...described, note.id].join(' '));
    focus(control);
  }
  return true;
}

/** Remove the messages showFieldError put inside `root`. */
export function clearFieldErrors(root) {
  for (const note of $$('.field-error', root)) {
    for (const control of $$(`[aria-describedby~="${note.id}"]`, root)) {
      const kept = control.getAttribute('aria-describedby').split(/\s+/).filter((id) => id && id !== note.id);
      if (kept.length) control.setAttribute('aria-describedby', kept.join(' '));
      else control.removeAttribute('aria-describedby');
    }
    note.remove();
  }
  for (const control of $$('[aria-invalid="true"]', root)) control.removeAttribute('aria-invalid');
}

// -- Requests a view may ask again before the answer ------------------------------------

/**
 * A view's loader where only the latest request counts (another week, another search,
 * another period asked before the answer came). While a request runs, `busy` (a form or a
 * button) is disabled and `region` carries aria-busy; an answer or an error that arrives
 * after a newer request started is dropped. `report(error)` shows an error and returns
 * true when the page navigated away (common.js's reportError, bound to the view's message
 * area). Returns `run(request, {draw, failed})`: `request()` makes the call, `draw(answer)`
 * shows its answer, `failed(error)` clears what must not stay after a reported error.
 * run() resolves to false when the page navigated away, else true.
 */
export function latestRequest({ busy = null, region = null, report }) {
  let seq = 0;
  return async function run(request, { draw, failed = () => {} }) {
    const mine = ++seq;
    if (region) region.setAttribute('aria-busy', 'true');
    if (busy) setBusy(busy, true);
    try {
      const answer = await request();
      if (mine === seq) draw(answer);
      return true;
    } catch (error) {
      if (mine !== seq) return true;
      if (report(error)) return false;
      failed(error);
      return true;
    } finally {
      if (mine === seq) {
        if (busy) setBusy(busy, false);
        if (region) region.removeAttribute('aria-busy');
      }
    }
  };
}

// -- The "Relevé de compte" block -------------------------------------------------------
// Shared by the family home page and the staff's family page: the balance sentence, the
// table of the 5 latest lines, "Liste des 5 derniers mouvements." and "Afficher tout",
// which loads every line in place. It lives here, with the other DOM helpers, so that the
// home page fetches one module fewer.

/** How many lines show before "Afficher tout". */
export const RECENT_LINES = 5;

/**
 * Wire a statement block. `ui` = {balance, meaning (optional), table, footer (optional),
 * sentence, button, message}; `load(limit)` resolves to the API's statement (limit null: every line);
 * `tableHtml(lines, {caption, invoiceHref})` draws the table (templates.js's statementTable);
 * `report(error, messageElement)` shows an error and returns true when the page navigated away;
 * `balanceHtml(cents)` (template-built HTML) and `meaningText(cents)` (text) word the balance.
 * Returns {refresh}: refresh() resolves to false when the page navigated away.
 */
export function statementView(ui, {
  load, tableHtml, report, balanceHtml, meaningText = () => '', invoiceHref = null,
  caption = 'Relevé de compte',
}) {
  let showAll = false;
  const run = latestRequest({ region: ui.table, report: (error) => report(error, ui.message) });

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
    render(ui.table, tableHtml(lines, { caption, invoiceHref }));
    const total = Number(answer && answer.total);
    ui.sentence.textContent = showAll
      ? `Liste de tous les mouvements (${Number.isFinite(total) ? total : lines.length}).`
      : `Liste des ${RECENT_LINES} derniers mouvements.`;
    show(ui.button, !showAll);
    if (ui.footer) show(ui.footer, true);
  }

  function refresh() {
    return run(() => load(showAll ? null : RECENT_LINES), {
      draw: (answer) => {
        clearMessage(ui.message);
        draw(answer);
      },
      failed: () => {
        if (!ui.table.querySelector('table')) render(ui.table, '');
      },
    });
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

/**
 * Show the commune's name in the header, under the site's title (the element is created
 * on the first call, so every page gets it without its HTML changing).
 */
export function showCommuneName(name) {
  const header = document.querySelector('.site-header');
  const text = typeof name === 'string' ? name.trim() : '';
  if (!header || !text) return;
  let line = header.querySelector('.site-commune');
  if (!line) {
    const title = header.querySelector('.site-title');
    const brand = document.createElement('div');
    brand.className = 'site-brand';
    line = document.createElement('p');
    line.className = 'site-commune';
    if (title) {
      title.replaceWith(brand);
      brand.append(title);
    } else {
      header.prepend(brand);
    }
    brand.append(line);
  }
  line.textContent = text;
}

const ACCESSIBILITY_LABELS = {
  totalement: 'totalement conforme',
  partiellement: 'partiellement conforme',
  non: 'non conforme',
};

/**
 * Complete the footer's link « Accessibilité » into « Accessibilité : partiellement
 * conforme » (decree 2019-768: the state on every page, linked to the statement).
 */
export function showAccessibilityState(state) {
  const label = ACCESSIBILITY_LABELS[state];
  const slot = ensureSiteFooter().querySelector('.accessibility-state');
  if (!label || !slot) return;
  slot.textContent = ` : ${label}`;
}

/**
 * The footer every page writes after <main> (tests/site/test_page_shell.py); a page that
 * lacks it gets the same one here, so the legal mentions are never missing.
 */
export function ensureSiteFooter() {
  let footer = document.querySelector('.site-footer');
  if (footer) return footer;
  footer = document.createElement('footer');
  footer.className = 'site-footer';
  const list = document.createElement('ul');
  list.className = 'footer-links';
  const links = [['accessibilite.html', 'Accessibilité'], ['donnees-personnelles.html', 'Données personnelles']];
  links.forEach(([href, text], index) => {
    const item = document.createElement('li');
    const link = document.createElement('a');
    link.href = href;
    link.textContent = text;
    if (index === 0) {
      const state = document.createElement('span');
      state.className = 'accessibility-state';
      link.append(state);
    }
    item.append(link);
    list.append(item);
  });
  footer.append(list);
  document.body.append(footer);
  return footer;
}

// -- Before the session ends for inactivity (RGAA 13.1, WCAG 2.2.1) -----------------------
// The server ends a session one hour after the last call it answered, and records that
// activity at most every five minutes: it may end 55 minutes after this page's last
// answer. The page warns at 50, says what would be lost, and « Rester connecté » keeps
// the session alive with one call.
const SESSION_WARN_MS = 50 * 60 * 1000;
const SESSION_OVER_MS = 60 * 60 * 1000;

/** Watch the session: `onActivity(listener)` reports signed-in answers (api.js),
 * `keepAlive()` is a signed-in call that returns a promise. */
export function watchSession(onActivity, keepAlive) {
  let warnTimer = null;
  let overTimer = null;
  let box = null;
  let returnFocus = null;

  function hide() {
    if (!box || box.hidden) return;
    box.hidden = true;
    if (returnFocus && document.contains(returnFocus)) returnFocus.focus();
    returnFocus = null;
  }

  function ensureBox() {
    if (box) return box;
    box = document.createElement('div');
    box.className = 'session-warning';
    box.setAttribute('role', 'alertdialog');
    box.setAttribute('aria-labelledby', 'session-warning-title');
    box.setAttribute('aria-describedby', 'session-warning-text');
    box.hidden = true;
    box.innerHTML = '<h2 id="session-warning-title">Votre session va se fermer</h2>'
      + '<p id="session-warning-text"></p>'
      + '<p class="actions"><button type="button">Rester connecté</button>'
      + ' <a href="/connexion.html" hidden>Se reconnecter</a></p>';
    box.querySelector('button').addEventListener('click', () => {
      keepAlive().catch(() => {
        // A 401 reports the end through onActivity; a network error leaves the warning.
      });
    });
    document.body.append(box);
    return box;
  }

  function warn(text, over) {
    const shown = ensureBox();
    shown.querySelector('#session-warning-text').textContent = text;
    shown.querySelector('button').hidden = over;
    shown.querySelector('a').hidden = !over;
    if (shown.hidden) {
      returnFocus = document.activeElement;
      shown.hidden = false;
    }
    (over ? shown.querySelector('a') : shown.querySelector('button')).focus();
  }

  function ended() {
    warn('Votre session s’est fermée après une heure sans activité. Ce qui n’était pas '
      + 'enregistré ne l’a pas été : reconnectez-vous pour continuer.', true);
  }

  onActivity((alive) => {
    clearTimeout(warnTimer);
    clearTimeout(overTimer);
    if (!alive) {
      if (box && !box.hidden) ended();
      return;
    }
    hide();
    warnTimer = setTimeout(() => warn('Sans activité de votre part, elle se fermera dans '
      + 'environ 5 minutes et ce qui n’est pas enregistré serait perdu.', false),
    SESSION_WARN_MS);
    overTimer = setTimeout(ended, SESSION_OVER_MS);
  });
}
