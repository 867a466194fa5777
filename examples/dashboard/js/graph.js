// graph.js - the actor and organization network of /v1/graph, drawn with Cytoscape.js.
import cytoscape from '/vendor/cytoscape/cytoscape.esm.min.mjs';
import { h, fill, humanize } from './dom.js';

/** Node colours by kind (actors) or by collection (everything else). */
export const NODE_STYLE = {
  state: { color: '#2f6fd0', shape: 'ellipse', label: 'state' },
  person: { color: '#7b5ea7', shape: 'ellipse', label: 'person' },
  'armed-group': { color: '#c0392b', shape: 'diamond', label: 'armed group' },
  'terrorist-group': { color: '#8e1b1b', shape: 'diamond', label: 'terrorist group' },
  'extremist-group': { color: '#a8462f', shape: 'diamond', label: 'extremist group' },
  collective: { color: '#138a7e', shape: 'ellipse', label: 'collective' },
  organizations: { color: '#d48a00', shape: 'round-rectangle', label: 'organization' },
  events: { color: '#6b7280', shape: 'round-triangle', label: 'event' },
  places: { color: '#5b8c5a', shape: 'round-tag', label: 'place' },
  layers: { color: '#1d2b3a', shape: 'round-hexagon', label: 'layer' },
  threats: { color: '#b23a48', shape: 'vee', label: 'threat' },
  claims: { color: '#9aa5b1', shape: 'rectangle', label: 'claim' },
  other: { color: '#9aa5b1', shape: 'ellipse', label: 'other' },
};

/**
 * Edge colours by the kind of tie: every relation type belongs to one family, and
 * the legend names the types of each family that the graph holds.
 */
export const EDGE_FAMILIES = [
  { key: 'participation', label: 'takes part in, convenes, says', color: '#8a96a3', types: ['participant_in', 'convened_by', 'statement_by', 'made_at', 'proposed_by', 'held_in', 'located_in'] },
  { key: 'membership', label: 'member, official, represents', color: '#7b5ea7', types: ['member_of', 'official_of', 'represents', 'affiliated_with', 'part_of', 'capital_of'] },
  { key: 'cooperation', label: 'cooperates, supports, contacts', color: '#1f9e6e', types: ['cooperates_with', 'seeks_cooperation_with', 'seeks_support_from', 'supports', 'contacts', 'allied_with'] },
  { key: 'conflict', label: 'opposes, competes, threatens', color: '#d1495b', types: ['opposes', 'competes_with', 'takeover_of', 'concerned_about', 'threatens', 'attacks'] },
  { key: 'other', label: 'other ties', color: '#d48a00', types: [] },
];

export function edgeFamily(type) {
  return EDGE_FAMILIES.find((f) => f.types.includes(type)) ?? EDGE_FAMILIES[EDGE_FAMILIES.length - 1];
}

/** Labels stay this many CSS pixels high, whatever the zoom. */
export const LABEL_PX = 13;

/** The style key of a graph node: its kind for actors, else its collection. */
export function styleKey(node) {
  const type = node.type ?? node.collection;
  if ((type === 'actors' || type === 'actor') && NODE_STYLE[node.kind]) return node.kind;
  const plural = type && !type.endsWith('s') ? `${type}s` : type;
  return NODE_STYLE[plural] ? plural : 'other';
}

/** The graph answer's nodes and edges: under `data`, like every answer of the API. */
export function graphParts(graph) {
  return { nodes: graph?.data?.nodes ?? [], edges: graph?.data?.edges ?? [] };
}

/** The stylesheet at zoom z: sizes of labels and lines in CSS pixels at any zoom. */
function sheet(z) {
  return [
    {
      selector: 'node',
      style: {
        'background-color': 'data(color)',
        shape: 'data(shape)',
        width: 'data(size)',
        height: 'data(size)',
        label: 'data(label)',
        'font-family': 'Liberation Sans, Arial, DejaVu Sans, sans-serif',
        'font-size': LABEL_PX / z,
        color: '#1d2b3a',
        'text-valign': 'bottom',
        'text-margin-y': 4 / z,
        'text-wrap': 'wrap',
        'text-max-width': 110 / z,
        'text-background-color': '#ffffff',
        'text-background-opacity': 0.75,
        'text-background-padding': 1,
        'border-width': 2 / z,
        'border-color': '#ffffff',
      },
    },
    {
      selector: 'edge',
      style: {
        width: 1.8 / z,
        'line-color': 'data(color)',
        'target-arrow-color': 'data(color)',
        'target-arrow-shape': 'triangle',
        'arrow-scale': 0.7,
        'curve-style': 'bezier',
        opacity: 0.85,
      },
    },
    { selector: 'edge[type = "member_of"]', style: { 'line-style': 'dashed' } },
    {
      selector: 'node[type = "events"]',
      style: { label: '', width: 14, height: 14, 'border-width': 1.5 / z },
    },
    { selector: 'node[type = "events"].near, node[type = "events"]:selected, node[type = "events"].hover', style: { label: 'data(label)', 'font-size': (LABEL_PX - 2) / z, color: '#3b4a5a', 'z-index': 10 } },
    { selector: 'node[type = "layers"]', style: { 'font-weight': 'bold', 'text-max-width': 150 / z } },
    { selector: 'node:selected', style: { 'border-color': '#1d2b3a', 'border-width': 3 / z } },
    { selector: '.faded', style: { opacity: 0.15 } },
    { selector: 'node.near', style: { opacity: 1 } },
    { selector: '.filtered', style: { display: 'none' } },
    { selector: 'edge.near', style: { width: 3 / z, opacity: 1, label: 'data(typeLabel)', 'font-size': 11 / z, 'text-rotation': 'autorotate', color: '#5d6b7a', 'text-background-color': '#fff', 'text-background-opacity': 0.85 } },
  ];
}

/**
 * The layout: the largest connected part by force (cose), the small parts (pairs,
 * lone nodes) in a grid beside it, so that together they take the canvas's shape
 * instead of a long row of islands above a half-empty canvas.
 */
function arrange(cy, container) {
  const parts = cy.elements().components().sort((a, b) => b.nodes().length - a.nodes().length);
  const main = parts[0];
  if (!main) return;
  main
    .layout({
      name: 'cose',
      animate: false,
      randomize: false,
      fit: false,
      nodeDimensionsIncludeLabels: true,
      nodeRepulsion: () => 30000,
      idealEdgeLength: (edge) => (edge.data('type') === 'participant_in' ? 60 : 90),
      edgeElasticity: () => 60,
      nodeOverlap: 20,
      gravity: 80,
      numIter: 2500,
    })
    .run();
  const rest = cy.collection(parts.slice(1).flatMap((p) => p.nodes().toArray()));
  if (rest.empty()) return;
  const bb = main.boundingBox({ includeLabels: true });
  const aspect = Math.max(1, (container.clientWidth || 1100) / (container.clientHeight || 620));
  // The strip that brings the whole to the canvas's aspect (at least a column).
  const width = Math.max(160, bb.h * aspect - bb.w);
  rest
    .layout({
      name: 'grid',
      animate: false,
      fit: false,
      avoidOverlap: true,
      nodeDimensionsIncludeLabels: true,
      // Labels grow as the graph is zoomed out to fit: wide columns keep them apart.
      cols: Math.max(1, Math.min(rest.length, Math.floor(width / 230))),
      boundingBox: { x1: bb.x2 + 40, y1: bb.y1, w: width, h: bb.h },
      sort: (a, b) => a.connectedEdges().length - b.connectedEdges().length || a.id().localeCompare(b.id()),
    })
    .run();
}

export function renderGraph(container, legend, edgeLegend, graph, ctx) {
  const { nodes, edges } = graphParts(graph);
  const ids = new Set(nodes.map((n) => n.id));
  const kept = edges.filter((e) => ids.has(e.source) && ids.has(e.target));
  const degree = new Map();
  for (const e of kept) {
    degree.set(e.source, (degree.get(e.source) ?? 0) + 1);
    degree.set(e.target, (degree.get(e.target) ?? 0) + 1);
  }
  const maxDegree = Math.max(1, ...degree.values());
  // Deterministic start: a circle in id order (cose then refines it without randomness).
  const order = [...nodes].sort((a, b) => a.id.localeCompare(b.id));
  const R = 40 * Math.max(4, order.length);
  const elements = [
    ...order.map((n, i) => {
      const key = styleKey(n);
      return {
        group: 'nodes',
        data: {
          id: n.id,
          label: n.label ?? n.name ?? n.title ?? n.id,
          type: n.type ?? n.collection,
          kind: n.kind ?? null,
          color: NODE_STYLE[key].color,
          shape: NODE_STYLE[key].shape,
          size: 22 + (34 * (degree.get(n.id) ?? 0)) / maxDegree,
        },
        position: {
          x: R * Math.cos((2 * Math.PI * i) / order.length),
          y: R * Math.sin((2 * Math.PI * i) / order.length),
        },
      };
    }),
    ...kept.map((e, i) => ({
      group: 'edges',
      data: {
        id: e.id ?? `edge-${i}`,
        source: e.source,
        target: e.target,
        type: e.type ?? e.label ?? '',
        typeLabel: e.type_label ?? humanize(e.type ?? e.label ?? ''),
        family: edgeFamily(e.type ?? e.label ?? '').key,
        color: edgeFamily(e.type ?? e.label ?? '').color,
        weight: e.weight ?? 1,
      },
    })),
  ];
  container.replaceChildren();
  const cy = cytoscape({
    container,
    elements,
    minZoom: 0.2,
    maxZoom: 3,
    boxSelectionEnabled: false,
    style: sheet(1),
    layout: { name: 'preset' },
  });
  arrange(cy, container);

  // Labels as readable at any zoom: the font grows as the graph is zoomed out.
  const scaleLabels = () => {
    const z = cy.zoom();
    cy.style(sheet(z));
  };
  cy.on('zoom', scaleLabels);
  /** Fit what is shown to the canvas (after a resize, a filter, a change of view). */
  const fit = () => {
    cy.resize();
    const shown = cy.elements().not('.filtered');
    if (shown.nonempty()) cy.fit(shown, 24);
    scaleLabels();
    container.dataset.zoom = cy.zoom().toFixed(3);
  };
  const focus = (node) => {
    cy.elements().removeClass('faded near');
    if (!node) return;
    const near = node.closedNeighborhood();
    cy.elements().not(near).addClass('faded');
    near.addClass('near');
  };
  cy.on('mouseover', 'node', (evt) => evt.target.addClass('hover'));
  cy.on('mouseout', 'node', (evt) => evt.target.removeClass('hover'));
  cy.on('tap', 'node', (evt) => {
    focus(evt.target);
    ctx.openRecord(evt.target.id(), evt.target.data('type'), evt.target.data('label'));
  });
  cy.on('tap', (evt) => {
    if (evt.target === cy) {
      cy.$(':selected').unselect();
      focus(null);
    }
  });
  container.dataset.nodeCount = String(cy.nodes().length);
  container.dataset.edgeCount = String(cy.edges().length);

  const present = new Map();
  for (const n of nodes) {
    const key = styleKey(n);
    present.set(key, (present.get(key) ?? 0) + 1);
  }
  fill(
    legend,
    [...present.entries()].map(([key, n]) =>
      h(
        'li',
        {},
        h('span', { class: `swatch shape-${NODE_STYLE[key].shape}`, style: { '--c': NODE_STYLE[key].color } }),
        `${humanize(NODE_STYLE[key].label)} `,
        h('span', { class: 'n' }, String(n)),
      ),
    ),
  );
  const byFamily = new Map();
  for (const e of kept) {
    const type = e.type ?? e.label ?? '';
    const fam = edgeFamily(type);
    if (!byFamily.has(fam.key)) byFamily.set(fam.key, new Map());
    const types = byFamily.get(fam.key);
    const label = e.type_label ?? humanize(type);
    types.set(label, (types.get(label) ?? 0) + 1);
  }
  fill(
    edgeLegend,
    EDGE_FAMILIES.filter((f) => byFamily.has(f.key)).map((f) =>
      h(
        'li',
        { dataset: { family: f.key, color: f.color } },
        h('span', { class: 'edge-swatch', style: { '--c': f.color } }),
        h('strong', {}, f.label),
        ' ',
        h(
          'span',
          { class: 'edge-types' },
          [...byFamily.get(f.key).entries()].sort((a, b) => b[1] - a[1]).map(([label, n], i) => [i ? ', ' : '', label, ' ', h('span', { class: 'n' }, String(n))]),
        ),
      ),
    ),
    h('li', { class: 'edge-note' }, `${kept.length} links; dashed: member of`),
  );
  return {
    cy,
    dropped: edges.length - kept.length,
    select(id) {
      const node = cy.getElementById(id);
      if (!node.nonempty()) return false;
      cy.$(':selected').unselect();
      node.select();
      focus(node);
      return true;
    },
    clear() {
      cy.$(':selected').unselect();
      focus(null);
    },
    fit,
    /**
     * Show only what the filters keep: the events in keep (a Set; null: all) and the
     * actors, organizations, layers and places tied to them, plus the ids in also
     * (the filtered actor, the layer and its partners). Then fit to what is shown.
     */
    filter(keep, also = []) {
      cy.batch(() => {
        cy.elements().removeClass('filtered');
        if (keep) {
          const shown = new Set(also);
          for (const id of keep) {
            shown.add(id);
            for (const p of ctx.participants(id)) shown.add(p);
          }
          cy.nodes().forEach((n) => {
            if (!shown.has(n.id())) n.addClass('filtered');
          });
          cy.edges().forEach((e) => {
            if (e.source().hasClass('filtered') || e.target().hasClass('filtered')) e.addClass('filtered');
          });
        }
      });
      container.dataset.shown = String(cy.nodes().not('.filtered').length);
      fit();
    },
  };
}
