// timeline.js - events on a time axis that shows each date's precision as it is:
// an exact day is a point, "the first half of August" a span over those days,
// "in 2018" a bar over the whole year; events the article does not date are
// listed apart.
//
// The axis is made of months. Within a month time is linear; months in which
// something precise happens (a day, a part of a month, a month) get more room,
// the others stay narrow, and runs of years without any event are cut out (a
// marked break). So a crowded summer stays readable next to a year-long span,
// and every mark still covers exactly its days.
import { h, fill, formatInterval, parseIso, monthName, PRECISION_LABEL, humanize } from './dom.js';

const daysInMonth = (y, m) => new Date(Date.UTC(y, m, 0)).getUTCDate();
const monthKey = (y, m) => y * 12 + (m - 1);

export function isDated(e) {
  return Boolean(parseIso(e.date?.start) && parseIso(e.date?.end) && e.date?.precision !== 'unknown');
}

/** The axis: month segments of the years with events, gaps for runs of empty years. */
export function buildScale(events) {
  const years = new Set();
  const busy = new Map(); // monthKey -> precise events in that month
  for (const e of events) {
    const a = parseIso(e.date.start);
    const b = parseIso(e.date.end);
    for (let y = a.y; y <= b.y; y++) years.add(y);
    const months = monthKey(b.y, b.m) - monthKey(a.y, a.m) + 1;
    if (months <= 2) {
      for (let k = monthKey(a.y, a.m); k <= monthKey(b.y, b.m); k++) busy.set(k, (busy.get(k) ?? 0) + 1);
    }
  }
  const segs = [];
  let prev = null;
  for (const y of [...years].sort((p, q) => p - q)) {
    if (prev !== null && y > prev + 1) segs.push({ gap: true, from: prev + 1, to: y - 1, w: 4 });
    for (let m = 1; m <= 12; m++) segs.push({ year: y, month: m, w: 1 + 5 * Math.min(busy.get(monthKey(y, m)) ?? 0, 6) });
    prev = y;
  }
  const total = segs.reduce((n, g) => n + g.w, 0);
  let x = 0;
  for (const g of segs) {
    g.x0 = (100 * x) / total;
    g.width = (100 * g.w) / total;
    x += g.w;
  }
  /** Percent position of the start of a day (of the next day with after=true). */
  const pos = (iso, after = false) => {
    const d = parseIso(iso);
    const g = segs.find((s) => s.year === d.y && s.month === d.m);
    return g.x0 + (g.width * (d.d - 1 + (after ? 1 : 0))) / daysInMonth(d.y, d.m);
  };
  const yearSpans = [...years].sort((p, q) => p - q).map((y) => {
    const first = segs.find((s) => s.year === y && s.month === 1);
    const last = segs.find((s) => s.year === y && s.month === 12);
    return { year: y, x0: first.x0, width: last.x0 + last.width - first.x0 };
  });
  return { segs, pos, yearSpans };
}

function axis(scale) {
  const parts = [];
  for (const y of scale.yearSpans) {
    parts.push(h('div', { class: 'tl-year', style: { left: `${y.x0}%`, width: `${y.width}%` } }, h('span', { class: 'tl-year-label' }, String(y.year))));
  }
  for (const g of scale.segs) {
    const style = { left: `${g.x0}%`, width: `${g.width}%` };
    if (g.gap) {
      const label = g.from === g.to ? String(g.from) : `${g.from}–${g.to}`;
      parts.push(h('div', { class: 'tl-gap', style, title: `${label}: no events in the article` }, h('span', {}, '≈')));
    } else if (g.month > 1) {
      parts.push(h('span', { class: `tl-tick${g.width > 2.6 ? ' labelled' : ''}`, style: { left: `${g.x0}%` } }, g.width > 2.6 ? monthName(g.month) : ''));
    } else if (g.width > 2.6) {
      parts.push(h('span', { class: 'tl-tick labelled first', style: { left: `${g.x0}%` } }, monthName(g.month)));
    }
  }
  return h('div', { class: 'tl-axis', 'aria-hidden': 'true' }, parts);
}

function gridLines(scale) {
  return h(
    'div',
    { class: 'tl-grid', 'aria-hidden': 'true' },
    scale.segs.map((g) =>
      g.gap
        ? h('div', { class: 'tl-grid-gap', style: { left: `${g.x0}%`, width: `${g.width}%` } })
        : h('div', { class: g.month === 1 ? 'tl-grid-year' : g.w > 1 ? 'tl-grid-month busy' : 'tl-grid-month', style: { left: `${g.x0}%`, width: `${g.width}%` } }),
    ),
  );
}

function mark(e, scale, color) {
  const { precision } = e.date;
  const inferred = e.date.inferred ?? [];
  const left = scale.pos(e.date.start);
  const right = scale.pos(e.date.end, true);
  const title = `${e.title}\n${formatInterval(e.date)} (${PRECISION_LABEL[precision] ?? precision})` +
    (e.date.text ? `\nthe article: “${e.date.text}”` : '') +
    (inferred.length ? `\ninferred: ${inferred.join(', ')}${e.date.basis ? ` (${e.date.basis})` : ''}` : '');
  if (precision === 'day' && e.date.start === e.date.end) {
    return h('span', {
      class: 'tl-mark point',
      style: { left: `${(left + right) / 2}%`, '--c': color },
      title,
      role: 'img',
      'aria-label': `${formatInterval(e.date)}, an exact day`,
    });
  }
  return h('span', {
    class: `tl-mark span p-${precision}${inferred.includes('interval') ? ' fuzzy' : ''}`,
    style: { left: `${left}%`, width: `${right - left}%`, '--c': color },
    title,
    role: 'img',
    'aria-label': `${formatInterval(e.date)}, ${PRECISION_LABEL[precision] ?? precision}`,
  });
}

function when(e) {
  const inferred = e.date.inferred ?? [];
  return h(
    'div',
    { class: 'tl-when' },
    h('time', { datetime: e.date.start ?? '' }, e.date.start ? formatInterval(e.date) : 'undated'),
    h(
      'span',
      { class: 'tl-wording' },
      e.date.text ? `“${e.date.text}”` : 'no wording in the article',
    ),
    h(
      'span',
      { class: `prec prec-${e.date.precision}`, title: e.date.basis ?? null },
      PRECISION_LABEL[e.date.precision] ?? e.date.precision,
      inferred.length ? ` · ${inferred.join(', ')} inferred` : '',
    ),
    e.date.basis ? h('span', { class: 'tl-basis' }, e.date.basis) : null,
  );
}

function what(e, ctx) {
  const participants = (e.participants ?? []).map((p) => (typeof p === 'object' ? p.id : p));
  return h(
    'div',
    { class: 'tl-what' },
    h('button', { type: 'button', class: 'linkish tl-title', title: 'Open this event: its quotes and how it is dated', onclick: () => ctx.openRecord(e.id, 'events', e.title) }, h('span', {}, e.title ?? e.id)),
    h(
      'span',
      { class: 'tl-meta' },
      h('span', { class: 'type' }, humanize(e.type)),
      participants.length ? h('span', { class: 'chips mini' }, participants.map((id) => ctx.chip(id, { mini: true }))) : null,
    ),
  );
}

/** Render the /v1/timeline items into root; returns {dated, undated}. */
export function renderTimeline(root, items, ctx) {
  const dated = items.filter(isDated);
  const undated = items.filter((e) => !isDated(e));
  const scale = dated.length ? buildScale(dated) : null;
  const rows = dated.map((e) =>
    h(
      'li',
      { class: 'tl-row', id: `event-${e.id}`, dataset: { eventId: e.id, precision: e.date.precision } },
      when(e),
      what(e, ctx),
      h('div', { class: 'tl-track' }, mark(e, scale, ctx.eventColor(e.id))),
    ),
  );
  fill(
    root,
    dated.length
      ? h(
          'div',
          { class: 'tl-chart' },
          h('div', { class: 'tl-head' }, h('div', { class: 'tl-when' }, 'When'), h('div', { class: 'tl-what' }, 'Event'), h('div', { class: 'tl-track' }, axis(scale))),
          h('div', { class: 'tl-body' }, h('div', { class: 'tl-track-bg' }, gridLines(scale)), h('ol', { class: 'tl-rows' }, rows)),
        )
      : h('p', { class: 'none' }, 'No dated events in the model.'),
    h(
      'div',
      { class: 'tl-undated' },
      h('h3', {}, 'Undated in the article ', h('span', { class: 'n' }, String(undated.length))),
      undated.length
        ? h(
            'ul',
            {},
            undated.map((e) =>
              h('li', { class: 'tl-undated-item', id: `event-${e.id}`, dataset: { eventId: e.id } }, what(e, ctx), e.summary ? h('p', {}, e.summary) : null),
            ),
          )
        : h('p', { class: 'none' }, 'Every event has a date.'),
    ),
  );
  return { dated: dated.length, undated: undated.length };
}

/**
 * Show only the events in keep (a Set of ids; null shows every event). Returns the
 * number of events shown.
 */
export function filterTimeline(root, keep) {
  let shown = 0;
  for (const el of root.querySelectorAll('[data-event-id]')) {
    const on = !keep || keep.has(el.dataset.eventId);
    el.hidden = !on;
    if (on) shown++;
  }
  return shown;
}
