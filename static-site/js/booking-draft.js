/**
 * booking-draft.js — the booking grid's state: what the server says, and what the parent
 * has ticked or unticked but not saved yet. Pure, no DOM: importable from Node for tests.
 *
 * A change is kept only while it differs from the server's state and the cell is still
 * editable, so "Enregistrer" sends exactly the checkboxes that changed.
 */

function keyOf(date, service) {
  return `${date}|${service}`;
}

export class BookingDraft {
  constructor() {
    /** key → {booked, editable, deadline} as last received from the server. */
    this.server = new Map();
    /** key → booked wanted by the parent (only where it differs from the server). */
    this.changes = new Map();
  }

  /** Take in a calendar answer ({days: [{date, services: {code: {...}}}]}). */
  loadCalendar(calendar) {
    for (const day of (calendar && calendar.days) || []) {
      for (const [service, cell] of Object.entries(day.services || {})) {
        this.server.set(keyOf(day.date, service), {
          booked: Boolean(cell && cell.booked),
          editable: Boolean(cell && cell.editable),
          deadline: (cell && cell.deadline) || null,
        });
      }
    }
    this.prune();
  }

  /** Replace the server state with fresh calendar answers, keeping still-valid changes. */
  replaceCalendars(calendars) {
    this.server.clear();
    for (const calendar of calendars) this.loadCalendar(calendar);
    this.prune();
  }

  /** Drop changes that match the server again, or whose cell can no longer be edited. */
  prune() {
    for (const [key, booked] of this.changes) {
      const cell = this.server.get(key);
      if (!cell || !cell.editable || cell.booked === booked) this.changes.delete(key);
    }
  }

  /** The parent ticked (true) or unticked (false) a checkbox. */
  set(date, service, booked) {
    const key = keyOf(date, service);
    const cell = this.server.get(key);
    if (!cell || !cell.editable) return;
    if (cell.booked === Boolean(booked)) this.changes.delete(key);
    else this.changes.set(key, Boolean(booked));
  }

  /** Whether the checkbox should show as ticked (server state with the draft on top). */
  isChecked(date, service) {
    const key = keyOf(date, service);
    if (this.changes.has(key)) return this.changes.get(key);
    const cell = this.server.get(key);
    return Boolean(cell && cell.booked);
  }

  /** Whether this cell differs from what is saved. */
  isChanged(date, service) {
    return this.changes.has(keyOf(date, service));
  }

  /** Number of unsaved changes. */
  get size() {
    return this.changes.size;
  }

  /** [{date, service, booked}] sorted by date then service code, for the PUT body. */
  list() {
    return [...this.changes.entries()]
      .map(([key, booked]) => {
        const [date, service] = key.split('|');
        return { date, service, booked };
      })
      .sort((a, b) => (a.date === b.date
        ? a.service.localeCompare(b.service)
        : a.date.localeCompare(b.date)));
  }

  /** Forget unsaved changes. */
  clearChanges() {
    this.changes.clear();
  }

  /** Forget everything (before reloading from the server). */
  reset() {
    this.server.clear();
    this.changes.clear();
  }
}
