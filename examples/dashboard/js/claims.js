// claims.js - the author's claims grouped by certainty (stated, likely, possible, …)
// and, within a certainty, by the hedge the article words it with ("it seems that").
import { h, fill, count } from './dom.js';

const CERTAINTY_ORDER = ['stated', 'certain', 'likely', 'possible', 'speculative', 'unlikely'];
const CERTAINTY_NOTE = {
  stated: 'said outright',
  certain: 'said as certain',
  likely: 'said as likely',
  possible: 'said as possible',
  speculative: 'put forward as speculation',
  unlikely: 'said as unlikely',
};

const rank = (c) => {
  const i = CERTAINTY_ORDER.indexOf(c);
  return i < 0 ? CERTAINTY_ORDER.length : i;
};

/** [{certainty, hedges: [{hedge, claims}]}] in reading order. */
export function groupClaims(claims) {
  const byCertainty = new Map();
  for (const c of claims) {
    const key = c.certainty ?? 'unknown';
    if (!byCertainty.has(key)) byCertainty.set(key, new Map());
    const hedges = byCertainty.get(key);
    const hedge = c.hedge ?? '';
    if (!hedges.has(hedge)) hedges.set(hedge, []);
    hedges.get(hedge).push(c);
  }
  return [...byCertainty.entries()]
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
    .map(([certainty, hedges]) => ({
      certainty,
      hedges: [...hedges.entries()]
        .sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b)))
        .map(([hedge, list]) => ({ hedge: hedge || null, claims: list })),
    }));
}

export function renderClaims(root, claims, ctx) {
  const groups = groupClaims(claims);
  fill(
    root,
    groups.map((g) =>
      h(
        'section',
        { class: `claim-group cert-${g.certainty}`, dataset: { certainty: g.certainty } },
        h(
          'h3',
          {},
          g.certainty,
          ' ',
          h('span', { class: 'note' }, CERTAINTY_NOTE[g.certainty] ?? ''),
          ' ',
          h('span', { class: 'n' }, String(g.hedges.reduce((n, x) => n + x.claims.length, 0))),
        ),
        g.hedges.map((x) =>
          h(
            'div',
            { class: 'hedge-group', dataset: { hedge: x.hedge ?? '' } },
            h('h4', {}, x.hedge ? ['hedged as “', h('span', { class: 'hedge' }, x.hedge), '”'] : 'no hedge', ' ', h('span', { class: 'n' }, String(x.claims.length))),
            h(
              'ul',
              { class: 'claims' },
              x.claims.map((c) =>
                h(
                  'li',
                  { class: 'claim', dataset: { id: c.id } },
                  h(
                    'button',
                    { type: 'button', class: 'linkish claim-open', onclick: () => ctx.openRecord(c.id, 'claims', c.title) },
                    h('span', { class: 'claim-title' }, c.title ?? c.id),
                  ),
                  h('p', { class: 'claim-text' }, c.text),
                  h('p', { class: 'claim-meta' }, h('span', { class: 'badge' }, c.kind ?? 'claim'), ' ', count((c.evidence ?? []).length, 'quote')),
                ),
              ),
            ),
          ),
        ),
      ),
    ),
  );
  return groups;
}
