// RGAA 4.1 checks a browser can make on a loaded page, beyond axe-core (tests/site/rgaa.py
// drives them; docs/accessibility.md says which criteria they settle). Evaluated through
// the DevTools protocol, which the page's Content-Security-Policy does not govern; each
// function answers a list of the problems found, in words a reviewer can act on.
window.__rgaa = (() => {
  const describe = (el) => {
    let what = el.tagName.toLowerCase();
    if (el.id) what += `#${el.id}`;
    else if (el.classList.length) what += `.${[...el.classList].join('.')}`;
    const name = (el.getAttribute('aria-label') || el.textContent || el.value || '')
      .trim().replace(/\s+/g, ' ').slice(0, 40);
    return name ? `${what} "${name}"` : what;
  };
  const rendered = (el) => el.getClientRects().length > 0
    && getComputedStyle(el).visibility !== 'hidden';
  // The `.visually-hidden` pattern (and the skip link's like): a 1 px box or a clip,
  // meant for screen readers only; nothing a sighted reader loses.
  const visuallyHidden = (el) => {
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    return box.width <= 1 || box.height <= 1 || style.clip !== 'auto' || style.clipPath !== 'none';
  };
  const CLIPS = ['hidden', 'clip'];

  /**
   * 10.11: the page does not scroll sideways, and the only zones that do are a table's
   * own: a wrapper holding just the table, reachable by Tab (tabindex="0") so that the
   * arrows scroll it, and itself inside the viewport.
   */
  function reflow() {
    const root = document.documentElement;
    const width = root.clientWidth;
    const problems = [];
    if (root.scrollWidth > width) {
      const wide = [...document.body.querySelectorAll('*')].filter((el) => {
        if (!rendered(el) || visuallyHidden(el)) return false;
        for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
          if (getComputedStyle(up).overflowX !== 'visible') return false;
        }
        return el.getBoundingClientRect().right > width + 0.5;
      }).slice(0, 4).map((el) => `${describe(el)} (right edge at ${Math.round(el.getBoundingClientRect().right)} px)`);
      problems.push(`the page scrolls sideways (${root.scrollWidth} px in ${width} px): ${wide.join(', ')}`);
    }
    for (const el of document.body.querySelectorAll('*')) {
      const style = getComputedStyle(el);
      if (!['auto', 'scroll'].includes(style.overflowX) || el.scrollWidth <= el.clientWidth + 1
          || !rendered(el)) continue;
      const table = el.children.length === 1 && el.firstElementChild.tagName === 'TABLE';
      const reachable = el.getAttribute('tabindex') === '0';
      const inside = el.getBoundingClientRect().right <= width + 0.5;
      if (!(table && reachable && inside)) {
        problems.push(`${describe(el)} scrolls sideways but is not a lone table's own zone, `
          + 'focusable (tabindex="0") and within the page\'s width');
      }
    }
    return problems;
  }

  /**
   * 10.4 and 10.12: no text cut off. An element that hides its overflow (overflow hidden
   * or clip, text-overflow: ellipsis) holds more text than it shows; form fields, which
   * scroll their own value, and visually hidden text are left out.
   */
  function clipped() {
    const problems = [];
    for (const el of document.body.querySelectorAll('*')) {
      if (el.matches('input, select, textarea, option')) continue;
      const style = getComputedStyle(el);
      const clipsX = CLIPS.includes(style.overflowX);
      const clipsY = CLIPS.includes(style.overflowY);
      if (!(clipsX || clipsY) || !el.textContent.trim() || !rendered(el) || visuallyHidden(el)) continue;
      if ((clipsX && el.scrollWidth > el.clientWidth + 1)
          || (clipsY && el.scrollHeight > el.clientHeight + 1)) {
        problems.push(`text cut off: ${describe(el)} (${el.scrollWidth} × ${el.scrollHeight} px `
          + `shown in ${el.clientWidth} × ${el.clientHeight} px)`);
      }
    }
    return problems;
  }

  const insideHidden = (el) => {
    for (let up = el; up && up !== document.body; up = up.parentElement) {
      if (visuallyHidden(up)) return true;
    }
    return false;
  };

  /**
   * 10.4 and 10.12 again: no text spills out of its box, over what is next to it (a word
   * wider than its column, a line taller than a fixed height). Each element's own text is
   * measured against the element's box.
   */
  const SCROLLS = ['auto', 'scroll'];

  function spilled() {
    const problems = [];
    const range = document.createRange();
    for (const el of document.body.querySelectorAll('*')) {
      const texts = [...el.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE && n.data.trim());
      if (!texts.length || el.matches('input, select, textarea, option') || !rendered(el)) continue;
      const box = el.getBoundingClientRect();
      // Text scrolled inside its own box (overflow auto or scroll: a long log entry in a
      // zone of fixed height) stays in it, reachable by scrolling: not a spill on that axis.
      const style = getComputedStyle(el);
      const scrollsX = SCROLLS.includes(style.overflowX);
      const scrollsY = SCROLLS.includes(style.overflowY);
      const out = texts.some((text) => {
        range.selectNodeContents(text);
        return [...range.getClientRects()].some((r) => r.width > 0
          && ((!scrollsX && (r.right > box.right + 1 || r.left < box.left - 1))
            || (!scrollsY && (r.bottom > box.bottom + 1 || r.top < box.top - 1))));
      });
      if (out && !insideHidden(el)) {
        problems.push(`text spills out of its box: ${describe(el)} (${Math.round(box.width)} × `
          + `${Math.round(box.height)} px)`);
      }
    }
    return problems;
  }

  /**
   * Runs `check` with the spacing of WCAG 1.4.12 (RGAA 10.12) on every element, then takes
   * it away. A constructed style sheet, which the page's style-src does not refuse as it
   * would an inline <style>; it says if it did not take.
   */
  function spaced(check) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync('* { line-height: 1.5 !important; letter-spacing: 0.12em !important;'
      + ' word-spacing: 0.16em !important; } p { margin-bottom: 2em !important; }');
    const before = document.adoptedStyleSheets;
    document.adoptedStyleSheets = [...before, sheet];
    try {
      const body = getComputedStyle(document.body);
      const size = parseFloat(body.fontSize);
      if (Math.abs(parseFloat(body.letterSpacing) - 0.12 * size) > 0.01) {
        return [`the text spacing did not take (letter-spacing ${body.letterSpacing})`];
      }
      return check();
    } finally {
      document.adoptedStyleSheets = before;
    }
  }

  // --- 10.7 and 12.8: Tab through the page ------------------------------------------------

  let walk = null;
  const ring = (style) => ({
    outline: style.outlineStyle === 'none' || parseFloat(style.outlineWidth) === 0
      ? 'none' : `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}`,
    shadow: style.boxShadow,
  });

  /** Before the first Tab: every element's look unfocused, and no positive tabindex. */
  function startWalk() {
    walk = { problems: [], stops: [], unfocused: new Map() };
    if (document.activeElement && document.activeElement !== document.body) {
      walk.problems.push(`focus already on ${describe(document.activeElement)} once loaded`);
    }
    for (const el of document.querySelectorAll('*')) {
      if (el.tabIndex > 0) walk.problems.push(`positive tabindex (${el.tabIndex}): ${describe(el)}`);
      if (el.tabIndex >= 0) walk.unfocused.set(el, ring(getComputedStyle(el)));
    }
  }

  /**
   * After each Tab: the focused element is visible (some size, inside the viewport once
   * scrolled to, not under a sticky bar) and shows an outline or a halo it does not have
   * unfocused; it comes after the previous stop in the HTML and on the screen. True once
   * the focus has gone round (back on <body> or the first stop).
   */
  function step() {
    const el = document.activeElement;
    if (!el || el === document.body || el === walk.stops[0]) return true;
    const previous = walk.stops[walk.stops.length - 1];
    walk.stops.push(el);
    const problems = [];
    const box = el.getBoundingClientRect();
    if (!(box.width > 0 && box.height > 0)) {
      problems.push('no size');
    } else if (box.bottom <= 0 || box.top >= innerHeight || box.right <= 0 || box.left >= innerWidth) {
      problems.push(`outside the viewport (${Math.round(box.left)}, ${Math.round(box.top)})`);
    } else {
      const x = Math.min(Math.max(box.left + box.width / 2, 0), innerWidth - 1);
      const y = Math.min(Math.max(box.top + box.height / 2, 0), innerHeight - 1);
      const top = document.elementFromPoint(x, y);
      if (top && !(top === el || el.contains(top) || top.contains(el) || top.control === el)) {
        problems.push(`hidden under ${describe(top)}`);
      }
    }
    const before = walk.unfocused.get(el) || { outline: 'none', shadow: 'none' };
    const now = ring(getComputedStyle(el));
    if (!((now.outline !== 'none' && now.outline !== before.outline)
          || (now.shadow !== 'none' && now.shadow !== before.shadow))) {
      // A date or time field is focused but not :focus when its own calendar or clock
      // button, inside it, has the focus.
      const inner = el.matches(':focus') ? '' : ' while its own inner button has the focus';
      problems.push(`no focus indicator${inner} (outline ${now.outline}, shadow ${now.shadow})`);
    }
    // A date or time field takes several stops (day, month, year, its calendar button).
    if (previous && el !== previous
        && !(previous.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING)) {
      problems.push(`reached after ${describe(previous)}, which comes after it in the page`);
    }
    // What Tab follows is what the eye follows: down the page, and left to right along a
    // line; CSS that moves content (order, grid placement) away from the HTML's order shows.
    const here = { top: box.top + scrollY, bottom: box.bottom + scrollY,
                   left: box.left + scrollX, right: box.right + scrollX };
    const last = walk.last;
    const sized = box.width > 0 && box.height > 0;
    if (sized && last && last.el !== el) {
      const up = here.bottom <= last.top + 1;
      const back = here.right <= last.left + 1 && here.top < last.bottom && here.bottom > last.top;
      if (up || back) {
        problems.push(`shown ${up ? 'above' : 'left of'} ${describe(last.el)}, reached after it`);
      }
    }
    if (sized) walk.last = { el, ...here };
    if (problems.length) walk.problems.push(`${describe(el)}: ${problems.join('; ')}`);
    return false;
  }

  /** What the walk found; the focus is given back to the page as loaded. */
  function endWalk() {
    const found = { stops: walk.stops.length, first: walk.stops[0] ? describe(walk.stops[0]) : null,
                    problems: walk.problems };
    if (document.activeElement) document.activeElement.blur();
    window.scrollTo(0, 0);
    walk = null;
    return found;
  }

  return { reflow, clipped, spilled, spaced, startWalk, step, endWalk };
})();
