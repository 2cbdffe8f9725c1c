/**
 * main.js — wiring only: picks the page controller named by <body data-page="…">
 * and starts it. Controllers are loaded on demand so each page fetches only its own code.
 * The header shows the commune's name: from this tab's memory, from any answer that
 * carries it (the family pages), else asked once (GET /api/commune). The footer's
 * « Accessibilité : … » comes the same way, with the name. A signed-in page warns before
 * its session ends for inactivity.
 */
import { getCommune, getMe, onCommuneName, onSessionActivity } from './api.js';
import {
  ensureSiteFooter, showAccessibilityState, showCommuneName, watchSession,
} from './view.js';

const COMMUNE_KEY = 'cantine.communeName';
const ACCESSIBILITY_KEY = 'cantine.communeAccessibility';
const CONTROLLERS = {
  connexion: () => import('./pages/connexion.js'),
  'mot-de-passe-oublie': () => import('./pages/mot-de-passe-oublie.js'),
  reinitialiser: () => import('./pages/reinitialiser.js'),
  'confirmer-adresse': () => import('./pages/confirmer-adresse.js'),
  'changer-mot-de-passe': () => import('./pages/changer-mot-de-passe.js'),
  accueil: () => import('./pages/accueil.js'),
  inscriptions: () => import('./pages/inscriptions.js'),
  'semaine-type': () => import('./pages/semaine-type.js'),
  malade: () => import('./pages/malade.js'),
  factures: () => import('./pages/factures.js'),
  menus: () => import('./pages/menus.js'),
  informations: () => import('./pages/informations.js'),
  personnel: () => import('./pages/personnel.js'),
  familles: () => import('./pages/familles.js'),
  famille: () => import('./pages/famille.js'),
  parametres: () => import('./pages/parametres.js'),
  pointage: () => import('./pages/pointage.js'),
  effectifs: () => import('./pages/effectifs.js'),
  attente: () => import('./pages/attente.js'),
  malades: () => import('./pages/malades.js'),
  'menus-personnel': () => import('./pages/menus-personnel.js'),
  exports: () => import('./pages/exports.js'),
  verrouillages: () => import('./pages/verrouillages.js'),
  facturation: () => import('./pages/facturation.js'),
  'personnel-comptes': () => import('./pages/personnel-comptes.js'),
  accessibilite: () => import('./pages/accessibilite.js'),
  'schema-accessibilite': () => import('./pages/schema-accessibilite.js'),
  'donnees-personnelles': () => import('./pages/donnees-personnelles.js'),
  journal: () => import('./pages/journal.js'),
  courriels: () => import('./pages/courriels.js'),
};

// Until the page's controller is wired, a click on a submit button must not post the
// form natively (a 405, or worse a password in a URL): hold submissions back.
document.addEventListener('submit', (event) => {
  if (document.documentElement.dataset.ready !== 'true') event.preventDefault();
}, true);

function remembered(key) {
  try {
    return window.sessionStorage.getItem(key) || '';
  } catch (error) {
    return '';
  }
}

let communeKnown = false;
onCommuneName((name, accessibility) => {
  communeKnown = Boolean(accessibility);
  showCommuneName(name);
  showAccessibilityState(accessibility);
  try {
    window.sessionStorage.setItem(COMMUNE_KEY, name);
    if (accessibility) window.sessionStorage.setItem(ACCESSIBILITY_KEY, accessibility);
  } catch (error) {
    // Storage refused (private mode): the name is asked again on the next page.
  }
});
ensureSiteFooter();
// Signed in, the page warns before the session ends for inactivity (view.js).
watchSession(onSessionActivity, getMe);
const rememberedName = remembered(COMMUNE_KEY);
const rememberedState = remembered(ACCESSIBILITY_KEY);
if (rememberedName) showCommuneName(rememberedName);
if (rememberedState) showAccessibilityState(rememberedState);

/** After the page's own calls: ask for the name (and the accessibility state) only if
 * none of them brought it. */
function completeHeader() {
  if (communeKnown || (rememberedName && rememberedState)) return;
  getCommune().catch(() => {
    // No name in the header is better than an error on the page.
  });
}

const load = CONTROLLERS[document.body.dataset.page];
if (load) {
  load()
    .then((controller) => controller.start())
    .then(() => { document.documentElement.dataset.ready = 'true'; })
    .catch((error) => {
      // A controller that failed to load or start leaves the static page as it is.
      console.error(error);
    })
    .finally(completeHeader);
} else {
  completeHeader();
}
