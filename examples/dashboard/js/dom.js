// dom.js - building DOM nodes from API data without innerHTML (every string is text).

/**
 * h('a', {href, class: 'x', onclick}, child, ...) -> Element.
 * Attribute values: strings are set as attributes, functions named on* become
 * listeners, `dataset` is an object, `false`/null/undefined attributes are skipped.
 * Children: strings (as text), nodes, arrays of them; null/false are skipped.
 */
export function h(tag, attrs = {}, ...children) {
  const el = tag.startsWith('svg:')
    ? document.createElementNS('http://www.w3.org/2000/svg', tag.slice(4))
    : document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2), value);
    } else if (name === 'dataset') {
      Object.assign(el.dataset, value);
    } else if (name === 'style' && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) el.style.setProperty(k, v);
    } else {
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replace every child of el. */
export function fill(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** "armed-group" -> "armed group"; "participant_in" -> "participant in". */
export function humanize(s) {
  return String(s ?? '').replace(/[-_]+/g, ' ');
}

/** Pluralise: count(3, 'event') -> "3 events". */
export function count(n, word, plural = `${word}s`) {
  return `${n} ${n === 1 ? word : plural}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** An ISO date "2021-08-01" as {y, m, d} (m and d 1-based), or null. */
export function parseIso(s) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s ?? '');
  return m ? { y: +m[1], m: +m[2], d: +m[3] } : null;
}

export function monthName(m) {
  return MONTHS[m - 1];
}

/**
 * The normalised interval of a date object as people write it:
 * "17 Sep 2021", "1–15 Aug 2021", "Jul 2021", "2018", "11 Jul – 3 Aug 2021".
 */
export function formatInterval(date) {
  const a = parseIso(date?.start);
  const b = parseIso(date?.end);
  if (!a || !b) return 'date unknown';
  const lastDay = new Date(Date.UTC(b.y, b.m, 0)).getUTCDate();
  if (a.y === b.y && a.m === 1 && a.d === 1 && b.m === 12 && b.d === 31) return String(a.y);
  if (a.y === b.y && a.m === b.m && a.d === 1 && b.d === lastDay) return `${monthName(a.m)} ${a.y}`;
  if (a.y === b.y && a.m === b.m && a.d === b.d) return `${a.d} ${monthName(a.m)} ${a.y}`;
  if (a.y === b.y && a.m === b.m) return `${a.d}–${b.d} ${monthName(a.m)} ${a.y}`;
  if (a.y === b.y) return `${a.d} ${monthName(a.m)} – ${b.d} ${monthName(b.m)} ${a.y}`;
  return `${a.d} ${monthName(a.m)} ${a.y} – ${b.d} ${monthName(b.m)} ${b.y}`;
}

/** What a precision means to a reader. */
export const PRECISION_LABEL = {
  day: 'exact day',
  'part-of-month': 'part of a month',
  month: 'some time in the month',
  year: 'some time in the year',
  unknown: 'no date given',
};
