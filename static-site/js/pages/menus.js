/**
 * menus.html[?semaine=YYYY-MM-DD] — the canteen's menus of a week for parents, with the
 * allergens of each dish and the vegetarian day; "Semaine précédente" / "Semaine suivante".
 * The week shown first is the first one with a menu from the server's date on (this week
 * often has none yet), else the week holding the server's date.
 */
import { getMenus } from '../api.js';
import { addDays, formatLongDate, isIsoDate, mondayOf, todayInParis } from '../format.js';
import { menuWeek } from '../templates.js';
import {
  $, clearMessage, focus, latestRequest, queryParam, render, replaceQuery, setDocumentTitle, show,
} from '../view.js';
import { reportError } from '../common.js';
import { startFamilyPage } from '../family-common.js';

const state = { monday: null };
let ui = null;
let run = null;

export async function start() {
  ui = {
    pageMessage: $('#page-message'),
    content: $('#content'),
    title: $('#week-title'),
    message: $('#menus-message'),
    week: $('#menu-week'),
  };
  run = latestRequest({ region: ui.week, report: (error) => reportError(error, ui.message) });
  const family = await startFamilyPage(ui.pageMessage);
  if (!family) return;
  setDocumentTitle('Menus');
  const asked = queryParam('semaine');
  const today = family.today || todayInParis();
  state.monday = isIsoDate(asked) ? mondayOf(asked) : await firstWeekWithMenu(today);
  show(ui.content, true);
  $('#week-prev').addEventListener('click', () => move(-7));
  $('#week-next').addEventListener('click', () => move(7));
  await load();
}

// The menus answer covers at most 62 days: eight weeks ahead in one request.
const LOOK_AHEAD_DAYS = 55;

/** Monday of the first week, from today's on, whose menu is published (else today's). */
async function firstWeekWithMenu(today) {
  const monday = mondayOf(today);
  try {
    const answer = await getMenus(monday, addDays(monday, LOOK_AHEAD_DAYS));
    const dated = ((answer && answer.days) || [])
      .filter((d) => d && d.date >= today && ((d.dishes || []).some((x) => x && x.name) || d.vegetarian))
      .map((d) => String(d.date)).sort();
    return dated.length ? mondayOf(dated[0]) : monday;
  } catch (error) {
    return monday; // the week's own request will report the problem
  }
}

async function move(days) {
  state.monday = addDays(state.monday, days);
  await load();
  focus(ui.title);
}

async function load() {
  const monday = state.monday;
  const friday = addDays(monday, 4);
  ui.title.textContent = `Semaine du ${formatLongDate(monday)} au ${formatLongDate(friday)}`;
  replaceQuery({ semaine: monday });
  clearMessage(ui.message);
  await run(() => getMenus(monday, friday), {
    draw: (answer) => {
      const days = [...((answer && answer.days) || [])].sort((a, b) => String(a.date).localeCompare(String(b.date)));
      render(ui.week, menuWeek(days, (answer && answer.allergens) || {}));
    },
    failed: () => render(ui.week, ''),
  });
}
