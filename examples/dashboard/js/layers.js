// layers.js - the four strategy layers side by side.
import { h, fill, formatInterval } from './dom.js';

const ORDINAL_WORD = { 1: 'First', 2: 'Second', 3: 'Third', 4: 'Fourth' };

/** An id from a reference that is either an id or an embedded record. */
export const refId = (r) => (r && typeof r === 'object' ? r.id : r);

function section(title, count, body) {
  return h(
    'section',
    { class: 'layer-part' },
    h('h4', {}, title, h('span', { class: 'n' }, String(count))),
    count ? body : h('p', { class: 'none' }, 'none in the model'),
  );
}

/** Render layers (the /v1/layers records) into root. */
export function renderLayers(root, layers, ctx) {
  const sorted = [...layers].sort((a, b) => a.ordinal - b.ordinal);
  const cards = sorted.map((layer) => {
    const partners = (layer.partners ?? []).map(refId);
    const events = (layer.events ?? [])
      .map(refId)
      .map((id) => ctx.records.get(id)?.record ?? { id, title: id, date: null })
      .sort((a, b) => (a.date?.start ?? '9999').localeCompare(b.date?.start ?? '9999'));
    const mechanisms = layer.mechanisms ?? [];
    const goals = layer.goals ?? [];
    return h(
      'article',
      {
        class: 'layer',
        style: { '--layer': ctx.layerColor(layer.ordinal) },
        dataset: { layerId: layer.id, ordinal: String(layer.ordinal) },
        'aria-labelledby': `layer-${layer.id}-name`,
      },
      h(
        'header',
        {},
        h('span', { class: 'ordinal', 'aria-hidden': 'true' }, String(layer.ordinal)),
        h(
          'div',
          {},
          h('p', { class: 'eyebrow' }, `${ORDINAL_WORD[layer.ordinal] ?? `Layer ${layer.ordinal}`} layer`),
          h('h3', { id: `layer-${layer.id}-name` }, layer.name),
        ),
      ),
      layer.summary ? h('p', { class: 'layer-summary' }, layer.summary, ' ', ctx.evidenceLinks(layer.evidence, layer.name)) : null,
      section('Partners', partners.length, h('div', { class: 'chips' }, partners.map((id) => ctx.chip(id)))),
      section(
        'Mechanisms',
        mechanisms.length,
        h(
          'ul',
          { class: 'mechanisms' },
          mechanisms.map((m) =>
            h(
              'li',
              {},
              h('span', { class: 'mech-name' }, m.name),
              m.organization ? [' ', ctx.chip(refId(m.organization))] : null,
              ' ',
              ctx.evidenceLinks(m.evidence, m.name),
            ),
          ),
        ),
      ),
      section(
        'Events',
        events.length,
        h(
          'ul',
          { class: 'layer-events' },
          events.map((e) =>
            h(
              'li',
              {},
              h(
                'button',
                { type: 'button', class: 'linkish', onclick: () => ctx.focusEvent(e.id), title: 'Show on the timeline' },
                h('time', {}, e.date?.start ? formatInterval(e.date) : 'undated'),
                h('span', {}, e.title ?? e.name ?? e.id),
              ),
            ),
          ),
        ),
      ),
      section(
        'Goals',
        goals.length,
        h(
          'ul',
          { class: 'goals' },
          goals.map((g) => h('li', {}, g.text, ' ', ctx.evidenceLinks(g.evidence, g.text))),
        ),
      ),
    );
  });
  fill(root, cards);
  return cards.length;
}
