/**
 * factures.html[?idop=…] — "Mes factures": the family's invoices (N°, période, date,
 * montant, état), each with "Télécharger (PDF)" and, while unpaid, "Payer en ligne", which
 * sends the parent to PayFip (the DGFiP's card payment). PayFip brings the parent back
 * here with `?idop=…`: the page then asks the server how the payment went and says so.
 * An invoice issued in titres mode is a « détail de facturation »: no "Payer en ligne",
 * and the page says the Trésor public sends the avis des sommes à payer, and how to pay it.
 */
import {
  getInvoices, getPayfipReturn, invoicePdfUrl, startPayfip,
} from '../api.js';
import { familyInvoicesTable, isTitre } from '../templates.js';
import {
  $, clearMessage, goTo, queryParam, render, replaceQuery, setBusy, setDocumentTitle, show,
  showMessage,
} from '../view.js';
import { errorText, followSessionError, reportError } from '../common.js';
import { startFamilyPage } from '../family-common.js';

const PAYMENT_TEXTS = {
  paid: { kind: 'success', text: 'Votre paiement a été accepté. Merci !' },
  refused: { kind: 'error', text: 'Votre paiement n\'a pas abouti : la facture reste à payer.' },
  pending: {
    kind: 'info',
    text: 'Votre paiement est en cours de traitement. L\'état de la facture sera mis à jour dès sa confirmation.',
  },
};

const PAYFIP_UNAVAILABLE = 'Le paiement en ligne n\'est pas disponible pour le moment. Vous pouvez régler cette facture à la mairie.';

let ui = null;

export async function start() {
  ui = {
    pageMessage: $('#page-message'),
    paymentMessage: $('#payment-message'),
    content: $('#content'),
    invoices: $('#invoices'),
    invoicesMessage: $('#invoices-message'),
    helpRegie: $('#help-regie'),
    helpTitres: $('#help-titres'),
    hintRegie: $('#hint-regie'),
  };
  const family = await startFamilyPage(ui.pageMessage);
  if (!family) return;
  setDocumentTitle('Mes factures');

  // Back from PayFip: the result first, so that the list shows the invoice as paid.
  const idop = (queryParam('idop') || queryParam('idOp') || '').trim();
  if (idop && !(await showPaymentResult(idop))) return;

  show(ui.content, true);
  ui.invoices.addEventListener('click', (event) => {
    const button = event.target instanceof Element ? event.target.closest('button.pay-invoice') : null;
    if (button) pay(button);
  });
  await loadInvoices();
}

/** Say how the payment went; false when the page navigated away (session ended). */
async function showPaymentResult(idop) {
  let answer;
  try {
    answer = await getPayfipReturn(idop);
  } catch (error) {
    if (followSessionError(error)) return false;
    if (error.status === 404) {
      // Not known (yet): the payment's confirmation will update the list.
      showMessage(ui.paymentMessage, PAYMENT_TEXTS.pending.text, 'info');
    } else {
      showMessage(ui.paymentMessage, errorText(error));
    }
    return true;
  }
  const status = answer && answer.status;
  const known = PAYMENT_TEXTS[status] || PAYMENT_TEXTS.pending;
  const text = answer && typeof answer.message === 'string' && answer.message.trim()
    ? answer.message.trim()
    : known.text;
  showMessage(ui.paymentMessage, text, known.kind);
  // A final answer is shown once; a pending one is asked again on reload.
  if (status === 'paid' || status === 'refused') replaceQuery({});
  return true;
}

/** Draw the invoices; false when they could not be read. */
async function loadInvoices() {
  ui.invoices.setAttribute('aria-busy', 'true');
  try {
    const answer = await getInvoices();
    const invoices = Array.isArray(answer && answer.invoices) ? answer.invoices : [];
    render(ui.invoices, familyInvoicesTable(invoices, invoicePdfUrl));
    showHowToPay(answer && answer.collection, invoices);
    return true;
  } catch (error) {
    if (!reportError(error, ui.invoicesMessage) && !ui.invoices.querySelector('table')) {
      render(ui.invoices, '');
    }
    return false;
  } finally {
    ui.invoices.removeAttribute('aria-busy');
  }
}

/**
 * Say how to pay: the Trésor public's avis des sommes à payer when the commune collects
 * through titres or an invoice was issued so, the régie's ways (PayFip, the town hall)
 * when it runs its régie or a régie invoice is listed. Each invoice keeps its own mode.
 */
function showHowToPay(collection, invoices) {
  const titres = invoices.some(isTitre);
  const regie = invoices.some((inv) => !isTitre(inv));
  show(ui.helpTitres, collection === 'titres' || titres);
  const regieShown = collection !== 'titres' || regie;
  show(ui.helpRegie, regieShown);
  show(ui.hintRegie, regieShown);
}

/** Only an http(s) address may receive the parent (never `javascript:` or the like). */
function safeRedirect(candidate) {
  if (typeof candidate !== 'string' || !candidate) return null;
  try {
    const url = new URL(candidate, window.location.href);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
  } catch (error) {
    return null;
  }
}

async function pay(button) {
  clearMessage(ui.invoicesMessage);
  clearMessage(ui.paymentMessage);
  setBusy(button, true);
  let answer;
  try {
    answer = await startPayfip(button.dataset.invoiceId);
  } catch (error) {
    setBusy(button, false);
    if (followSessionError(error)) return;
    showMessage(ui.invoicesMessage, error.status === 404 && error.code === 'not_found'
      ? PAYFIP_UNAVAILABLE
      : errorText(error));
    // Paid or cancelled in the meantime: show the invoices as they are now.
    if (error.status === 409) await loadInvoices();
    return;
  }
  const url = safeRedirect(answer && answer.redirect_url);
  if (!url) {
    setBusy(button, false);
    showMessage(ui.invoicesMessage, PAYFIP_UNAVAILABLE);
    return;
  }
  showMessage(ui.invoicesMessage, 'Redirection vers le paiement sécurisé PayFip…', 'info');
  goTo(url);
}
