// contract.test.mjs - the real daemon against api-spec/openapi.yaml.
//
// Static checks: openapi.json and the copied model schemas are generated from
// the current sources, the offline reference is current and loads nothing from
// elsewhere, every example validates against its schema, and the spec's paths
// and representations are exactly the route table of server/routes.c.
//
// Live checks, for every operation (GET, HEAD and OPTIONS of every path): real
// requests with each parameter (every enum value, the documented examples and
// bounds), each representation, conditional requests, gzip, CORS, request ids,
// and the documented error cases (unknown parameters, invalid values, unknown
// ids, 406, 414, 431, bad encoding, too many parameters, other methods). Every
// answer is checked against the operation's responses: the status must be
// documented, every header sent must be documented (framing headers aside) and
// match its schema, required headers must be there, and the body must validate
// against the media type's schema (additionalProperties false throughout), with
// every field present when `fields=` was not given. The daemon's own lists of
// allowed parameters and values (in its 400 problems) must equal the spec's.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import YAML from 'yaml';
import { buildJson, buildYaml } from './build-spec.mjs';
import {
  FORMAT_MEDIA, closeConnections, deref, enumValues, escapePointer, loadSpec, makeValidator, objectProperties,
  parseRoutes, pointer, request as rawRequest, root, specDir, startDaemon,
} from './lib.mjs';

const { doc, yamlText } = loadSpec();
const validator = makeValidator(doc);
const METHODS = ['get', 'head', 'options'];
// headers that frame the message rather than describe it (RFC 9110 section 6)
const FRAMING = new Set(['content-length', 'content-type', 'date', 'connection', 'keep-alive', 'transfer-encoding']);
const coverage = new Map(); // "GET /path" -> Set of statuses seen

let daemon;

// Every request sent to the daemon, replayed at the end against the compiled model file.
const sent = new Map();
function request(port, req) {
  if (daemon && port === daemon.port) sent.set(JSON.stringify([req.method, req.target, req.headers || {}]), req);
  return rawRequest(port, req);
}

// ---- helpers --------------------------------------------------------------------

const operations = [];
for (const [path, item] of Object.entries(doc.paths)) {
  for (const method of METHODS) {
    if (!item[method]) continue;
    const params = [...(item.parameters || []), ...(item[method].parameters || [])].map((p, i) => {
      const [node, at] = deref(doc, p, `#/paths/${escapePointer(path)}/parameters/${i}`);
      return { ...node, at };
    });
    operations.push({ path, method, op: item[method], params, key: `${method.toUpperCase()} ${path}` });
  }
}

function exampleOf(param) {
  if (param.example !== undefined) return param.example;
  if (param.examples) return Object.values(param.examples)[0].value;
  const [schema] = deref(doc, param.schema, '');
  if (schema && schema.examples) return schema.examples[0];
  return undefined;
}

/* The query-string form of a parameter value (style form; arrays as comma lists). */
function serialize(value) {
  if (Array.isArray(value)) return value.map((v) => encodeURIComponent(String(v))).join(',');
  return encodeURIComponent(String(value));
}

function targetOf(operation, query = {}) {
  let path = operation.path;
  for (const p of operation.params.filter((x) => x.in === 'path')) {
    const v = query[`{${p.name}}`] ?? exampleOf(p);
    path = path.replace(`{${p.name}}`, encodeURIComponent(v));
  }
  const parts = [];
  for (const [k, v] of Object.entries(query)) {
    if (k.startsWith('{')) continue;
    for (const one of Array.isArray(v) && v.repeat ? v : [v]) parts.push(`${encodeURIComponent(k)}=${serialize(one)}`);
  }
  return parts.length ? `${path}?${parts.join('&')}` : path;
}

function mediaType(contentType) {
  return (contentType || '').split(';')[0].trim().toLowerCase();
}

/* The record schema name of a JSON body schema (XPage, XItem, Timeline), for the completeness check. */
function recordsOf(schemaRef, body) {
  const name = schemaRef.split('/').pop();
  const out = [];
  const page = name.match(/^([A-Z][a-z]+)Page$/);
  if (page && Array.isArray(body.data)) {
    const item = doc.components.schemas[name].properties.data.items.$ref.split('/').pop();
    for (const r of body.data) out.push([item, r]);
  }
  const itemName = name.match(/^([A-Z][a-zA-Z]+)Item$/);
  if (itemName && body.data) out.push([doc.components.schemas[name].properties.data.$ref.split('/').pop(), body.data]);
  if (name === 'Timeline' && body.data) {
    for (const r of [...body.data.dated, ...body.data.undated]) out.push(['Event', r]);
  }
  return out;
}

/* Every field present unless fields= selected some; included only with include=. */
function checkCompleteness(schemaName, record, query, problems, where) {
  const props = Object.keys(doc.components.schemas[schemaName].properties);
  const fields = query.fields ? (Array.isArray(query.fields) ? query.fields : String(query.fields).split(',')) : null;
  const expected = new Set(fields ? fields : props.filter((p) => p !== 'included'));
  if (query.include && (!fields || true)) expected.add('included');
  const got = new Set(Object.keys(record));
  for (const p of expected) if (!got.has(p)) problems.push(`${where}: field '${p}' is missing`);
  for (const p of got) if (!expected.has(p)) problems.push(`${where}: field '${p}' was not asked for`);
  if (record.included) {
    for (const [collection, list] of Object.entries(record.included)) {
      const embedded = doc.components.schemas.Included.properties[collection].items.$ref.split('/').pop();
      const want = Object.keys(doc.components.schemas[embedded].properties).filter((p) => p !== 'included' && p !== 'related');
      for (const r of list) {
        const keys = Object.keys(r);
        if (keys.join(',') !== want.join(',')) problems.push(`${where}: included ${collection} record has fields ${keys.join(',')}; expected ${want.join(',')}`);
      }
    }
    const asked = new Set(String(query.include).split(','));
    const gotIncluded = new Set(Object.keys(record.included));
    if ([...asked].sort().join() !== [...gotIncluded].sort().join()) problems.push(`${where}: included has ${[...gotIncluded]} for include=${query.include}`);
  }
}

/* CSV columns expected for a record schema: object fields flattened to field.key. */
function csvColumns(schemaName, query) {
  const props = doc.components.schemas[schemaName].properties;
  const fields = query.fields ? String(query.fields).split(',') : Object.keys(props).filter((p) => p !== 'included');
  const cols = [];
  for (const f of fields) {
    const sub = objectProperties(doc, props[f]);
    if (sub && f !== 'included') cols.push(...Object.keys(sub).map((k) => `${f}.${k}`));
    else cols.push(f);
  }
  if (query.include) for (const c of String(query.include).split(',')) cols.push(`included.${c}`);
  return cols;
}

function parseCsvLine(text) {
  const cells = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else cell += ch;
  }
  cells.push(cell);
  return cells;
}

/* Check one answer against the operation's documented responses; returns a list of problems. */
function checkAnswer(operation, res, { query = {}, head = false } = {}) {
  const problems = [];
  const status = String(res.status);
  const responses = operation.op.responses;
  const seen = coverage.get(operation.key) || new Set();
  seen.add(status);
  coverage.set(operation.key, seen);
  if (!responses[status]) {
    return [`status ${status} is not documented (documented: ${Object.keys(responses).join(', ')}); body: ${res.body.toString().slice(0, 300)}`];
  }
  const [response, responseAt] = deref(doc, responses[status], `#/paths/${escapePointer(operation.path)}/${operation.method}/responses/${status}`);
  const documented = new Map(Object.entries(response.headers || {}).map(([k, v]) => [k.toLowerCase(), [k, v]]));
  for (const name of Object.keys(res.headers)) {
    if (FRAMING.has(name)) continue;
    if (!documented.has(name)) problems.push(`header ${name} is not documented for ${status}`);
  }
  for (const [lower, [name, h]] of documented) {
    const [header, headerAt] = deref(doc, h, `${responseAt}/headers/${escapePointer(name)}`);
    const value = res.headers[lower];
    if (value === undefined) {
      if (header.required) problems.push(`required header ${name} is missing`);
      continue;
    }
    const [schema] = deref(doc, header.schema, '');
    const typed = schema && schema.type === 'integer' && /^-?[0-9]+$/.test(value) ? Number(value) : value;
    for (const e of validator.check(`${headerAt}/schema`, typed)) problems.push(`header ${name}: ${JSON.stringify(value)} ${e}`);
  }
  const content = response.content || {};
  const type = mediaType(res.headers['content-type']);
  if (Object.keys(content).length) {
    if (!content[type]) problems.push(`content type ${res.headers['content-type']} is not one of ${Object.keys(content).join(', ')}`);
  } else if (res.body.length) {
    problems.push(`${status} has a body (${res.body.length} bytes) but documents none`);
  }
  if (head) {
    if (res.encoded.length) problems.push(`HEAD answer has a body of ${res.encoded.length} bytes`);
    return problems;
  }
  if (!content[type]) return problems;
  const schemaAt = `${responseAt}/content/${escapePointer(type)}/schema`;
  const text = res.body.toString('utf8');
  if (type.endsWith('json') && type !== 'application/x-ndjson') {
    let body;
    try {
      body = JSON.parse(text);
    } catch (err) {
      return [...problems, `body is not JSON: ${err.message}`];
    }
    const schemaNode = pointer(doc, schemaAt);
    let errors = validator.check(schemaAt, body);
    if (errors.length && (schemaNode.anyOf || schemaNode.oneOf)) {
      // report the alternative that comes closest, not the first one
      const key = schemaNode.anyOf ? 'anyOf' : 'oneOf';
      const tries = schemaNode[key].map((_, i) => validator.check(`${schemaAt}/${key}/${i}`, body));
      errors = tries.reduce((best, e) => (e.length < best.length ? e : best));
      errors = [`matches none of the ${key} schemas; the closest (${errors.length} errors):`, ...errors];
    }
    for (const e of errors.slice(0, 12)) problems.push(`body ${e}`);
    if (schemaNode.$ref) {
      for (const [name, record] of recordsOf(schemaNode.$ref, body)) {
        checkCompleteness(name, record, query, problems, `${name} ${record.id || ''}`);
      }
    }
    if (operation.path === '/openapi.json' && res.status === 200) {
      try {
        assert.deepEqual(body, doc);
      } catch (err) {
        problems.push(`/openapi.json is not the document of openapi.yaml: ${err.message.slice(0, 200)}`);
      }
    }
    if (type === 'application/problem+json') {
      if (body.status !== res.status) problems.push(`problem status ${body.status} differs from ${res.status}`);
    }
    return problems;
  }
  if (type === 'application/x-ndjson') {
    const lines = text.split('\n');
    if (lines.pop() !== '') problems.push('NDJSON does not end with a newline');
    const schemaNode = pointer(doc, schemaAt);
    lines.forEach((line, i) => {
      let record;
      try {
        record = JSON.parse(line);
      } catch (err) {
        problems.push(`NDJSON line ${i + 1} is not JSON: ${err.message}`);
        return;
      }
      for (const e of validator.check(schemaAt, record)) problems.push(`NDJSON line ${i + 1} ${e}`);
      if (schemaNode.$ref) checkCompleteness(schemaNode.$ref.split('/').pop(), record, query, problems, `NDJSON line ${i + 1}`);
    });
    return problems;
  }
  if (type === 'text/csv') {
    const lines = text.split('\r\n');
    if (lines.pop() !== '') problems.push('CSV does not end with CRLF');
    const json = content['application/json'];
    const pageSchema = json && json.schema.$ref && pointer(doc, json.schema.$ref);
    const recordName = pageSchema && pageSchema.properties.data.items.$ref.split('/').pop();
    // bom=true: a byte-order mark before the header, and only then
    const bom = String(query.bom) === 'true';
    if (bom !== (lines[0] || '').startsWith('\uFEFF')) problems.push(`CSV byte-order mark ${bom ? 'missing' : 'unasked'}`);
    const header = parseCsvLine((lines[0] || '').replace(/^\uFEFF/, ''));
    const want = csvColumns(recordName, query);
    if (header.join(',') !== want.join(',')) problems.push(`CSV header ${header.join(',')}; expected ${want.join(',')}`);
    return problems;
  }
  if (type === 'application/yaml') {
    try {
      assert.deepEqual(YAML.parse(text), doc);
    } catch (err) {
      problems.push(`/openapi.yaml is not this document: ${err.message.slice(0, 200)}`);
    }
    for (const e of validator.check(schemaAt, text)) problems.push(`body ${e}`);
    return problems;
  }
  if (type === 'text/html') {
    const file = readFileSync(join(specDir, 'docs', 'index.html'));
    if (!res.body.equals(file)) problems.push('/docs is not api-spec/docs/index.html');
    return problems;
  }
  if (type === 'text/plain') {
    for (const line of text.split('\n')) {
      if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
      if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*")*\})? (?:-?[0-9.]+(?:e[+-]?[0-9]+)?|[+-]Inf|NaN)$/.test(line)) problems.push(`metrics line is not Prometheus text: ${line}`);
    }
    return problems;
  }
  problems.push(`no check for ${type}`);
  return problems;
}

async function send(operation, query = {}, { method, headers = {}, target } = {}) {
  const m = (method || operation.method).toUpperCase();
  const t = target || targetOf(operation, query);
  const res = await request(daemon.port, { method: m, target: t, headers });
  return { res, target: t };
}

/* Send, check, and fail with every problem found. */
async function expectAnswer(operation, query, { status, headers, target, method } = {}) {
  const { res, target: t } = await send(operation, query, { headers, target, method });
  const problems = checkAnswer(operation, res, { query, head: (method || operation.method) === 'head' });
  if (status !== undefined && res.status !== status) problems.unshift(`status ${res.status}, expected ${status}`);
  if (problems.length) assert.fail(`${(method || operation.method).toUpperCase()} ${t}\n  ${problems.join('\n  ')}`);
  return res;
}

function problemOf(res) {
  return JSON.parse(res.body.toString('utf8'));
}

/* "allowed: a, b, c" (or "must be one of: ...") of a problem reason, without a cut-off last item. */
function allowedList(reason) {
  const m = reason.match(/(?:allowed|must be one of|must be one or more of):\s*(.*)$/);
  if (!m) return null;
  let list = m[1].replace(/\s*\(prefix - for descending\)$/, '');
  const truncated = Buffer.byteLength(reason) >= 250;
  const items = list.split(',').map((s) => s.trim()).filter(Boolean);
  if (truncated) items.pop();
  return { items, truncated };
}

// ---- static checks -------------------------------------------------------------

describe('the document', () => {
  test('openapi.json and the copied model schemas are generated from the current sources', () => {
    const model = JSON.parse(readFileSync(join(specDir, 'model.schema.json'), 'utf8'));
    assert.equal(buildYaml(yamlText, model), yamlText, 'openapi.yaml: the copied model schemas are stale; run `make spec`');
    assert.equal(buildJson(yamlText), readFileSync(join(specDir, 'openapi.json'), 'utf8'), 'openapi.json is stale; run `make spec`');
  });

  test('info.version is the VERSION file', () => {
    assert.equal(doc.info.version, readFileSync(join(root, 'VERSION'), 'utf8').trim());
  });

  test('the offline reference is built from the current document', () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-docs-'));
    try {
      const out = join(dir, 'index.html');
      execFileSync(join(root, 'tests/contract/node_modules/.bin/redocly'),
        ['build-docs', join(specDir, 'openapi.yaml'), '--config', join(specDir, 'redocly.yaml'), '--inline-bundle', '-o', out],
        { stdio: 'pipe', env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' } });
      assert.ok(readFileSync(out).equals(readFileSync(join(specDir, 'docs', 'index.html'))),
        'api-spec/docs/index.html is stale; run `make docs`');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the offline reference loads nothing from another host', () => {
    const html = readFileSync(join(specDir, 'docs', 'index.html'), 'utf8');
    const external = /^(https?:)?\/\//i;
    const problems = [];
    for (const m of html.matchAll(/<(script|link|img|iframe|source|embed)\b[^>]*?\b(src|href)\s*=\s*["']?([^"' >]+)/gi)) {
      if (external.test(m[3])) problems.push(`<${m[1]} ${m[2]}=${m[3]}>`);
    }
    for (const m of html.matchAll(/\bimport\s*(?:[\w{}\s,*]+from\s*)?["']([^"']+)["']/g)) {
      if (external.test(m[1])) problems.push(`import ${m[1]}`);
    }
    for (const m of html.matchAll(/@import\s+(?:url\()?["']?(https?:[^"')]+)/gi)) problems.push(`@import ${m[1]}`);
    for (const m of html.matchAll(/url\(\s*["']?(https?:\/\/[^"')]+)/gi)) problems.push(`url(${m[1]})`);
    assert.deepEqual(problems, [], 'external resources in api-spec/docs/index.html');
    assert.match(html, /const __redoc_options = \{[^}]*"disableTelemetry":true/, 'telemetry must be off');
    assert.match(html, /<script type="module">\s*\/\*\*[\s\S]{0,400}Version: /, 'the Redoc bundle must be inline');
  });

  test('every example validates against its schema', () => {
    const problems = [];
    const visit = (node, at) => {
      if (!node || typeof node !== 'object') return;
      if (Array.isArray(node)) {
        node.forEach((n, i) => visit(n, `${at}/${i}`));
        return;
      }
      const isMediaOrParamOrHeader = node.schema && typeof node.schema === 'object' && (at.includes('/content/') || node.in || at.includes('/headers/'));
      if (isMediaOrParamOrHeader) {
        const values = [];
        if (node.example !== undefined) values.push(['example', node.example]);
        for (const [k, v] of Object.entries(node.examples || {})) values.push([`examples/${k}`, v.value]);
        for (const [name, value] of values) {
          for (const e of validator.check(`${at}/schema`, value)) problems.push(`${at}/${name}: ${e}`);
        }
      }
      if (Array.isArray(node.examples) && (node.type || node.$ref || node.enum || node.properties || node.anyOf || node.oneOf)) {
        node.examples.forEach((value, i) => {
          for (const e of validator.check(at, value)) problems.push(`${at}/examples/${i}: ${e}`);
        });
      }
      for (const [k, v] of Object.entries(node)) visit(v, `${at}/${escapePointer(k)}`);
    };
    visit(doc.paths, '#/paths');
    visit(doc.components, '#/components');
    assert.deepEqual(problems, []);
  });

  test('the paths are exactly the routes of server/routes.c, with the same representations', () => {
    const routes = parseRoutes(readFileSync(join(root, 'server', 'routes.c'), 'utf8'));
    assert.ok(routes.length > 0, 'no routes parsed from server/routes.c');
    const norm = (p) => p.replace(/\{[^}]+\}/g, '{}');
    const specPaths = new Map(Object.keys(doc.paths).map((p) => [norm(p), p]));
    const served = new Map(routes.map((r) => [norm(r.pattern), r]));
    assert.deepEqual([...served.keys()].filter((p) => !specPaths.has(p)), [], 'routes the daemon serves that the spec does not list');
    assert.deepEqual([...specPaths.keys()].filter((p) => !served.has(p)), [], 'paths the spec lists that the daemon does not serve');
    const problems = [];
    for (const [p, route] of served) {
      const item = doc.paths[specPaths.get(p)];
      const [ok] = deref(doc, item.get.responses['200'], '');
      const types = Object.keys(ok.content || {}).sort();
      const want = [...route.formats].map((f) => FORMAT_MEDIA[f]).sort();
      if (types.join() !== want.join()) problems.push(`${route.pattern}: spec ${types.join(', ')}; routes.c ${want.join(', ')}`);
      const format = item.parameters.map((x) => deref(doc, x, '')[0]).find((x) => x.name === 'format');
      const offered = format ? enumValues(doc, format.schema) : [];
      if ([...offered].sort().join() !== [...route.formats].sort().join()) problems.push(`${route.pattern}: format= offers ${offered}; routes.c ${[...route.formats]}`);
      if (!!route.cacheable !== ('Last-Modified' in (ok.headers || {}))) problems.push(`${route.pattern}: cacheable ${route.cacheable} but the 200's caching headers say otherwise`);
    }
    assert.deepEqual(problems, []);
  });
});

// ---- live checks ---------------------------------------------------------------

before(async () => {
  daemon = await startDaemon();
});

after(async () => {
  closeConnections();
  if (daemon) {
    const code = await daemon.stop();
    assert.equal(code, 0, `strata exited with ${code}: ${daemon.stderr()}`);
  }
});

const queryParams = (operation) => operation.params.filter((p) => p.in === 'query');

/* Valid values to try for a parameter: its examples, every enum value, bounds, booleans. */
function validValues(param) {
  const [schema] = deref(doc, param.schema, '');
  const values = [];
  const ex = exampleOf(param);
  if (ex !== undefined) values.push(ex);
  if (schema.type === 'array') {
    const items = enumValues(doc, schema.items);
    if (items) {
      for (const v of items) values.push([v]);
      // two values at once (a sort key and its descending form would conflict)
      const second = items.find((v) => String(v).replace(/^-/, '') !== String(items[0]).replace(/^-/, ''));
      if (second !== undefined) values.push([items[0], second]);
    }
    const [itemSchema] = deref(doc, schema.items, '');
    if (itemSchema.type === 'integer') values.push([itemSchema.minimum], [itemSchema.maximum]);
  } else {
    const items = enumValues(doc, schema);
    if (items) values.push(...items);
    if (schema.type === 'boolean') values.push(true, false);
    if (schema.type === 'integer') {
      if (schema.minimum !== undefined) values.push(schema.minimum);
      if (schema.maximum !== undefined) values.push(schema.maximum);
    }
  }
  const seen = new Set();
  return values.filter((v) => {
    const k = JSON.stringify(v);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/* The parameters a parameter needs beside it (`x-strata-requires`), with their examples. */
function companions(operation, param) {
  const out = {};
  for (const name of param['x-strata-requires'] || []) {
    const other = operation.params.find((p) => p.name === name && p.in === 'query');
    assert.ok(other, `${param.name} requires ${name}, which ${operation.key} does not take`);
    out[name] = exampleOf(other);
  }
  return out;
}

/* A value the parameter must refuse, or undefined when none can be made. */
function invalidValue(param) {
  const [schema] = deref(doc, param.schema, '');
  if (schema.type === 'array') {
    const [items] = deref(doc, schema.items, '');
    if (enumValues(doc, schema.items)) return 'not-a-value';
    if (items.type === 'integer') return String(items.maximum + 1);
    if (items.type === 'string') return 'Not_An_Id';
    return undefined;
  }
  if (enumValues(doc, schema)) return 'not-a-value';
  if (schema.type === 'boolean') return 'maybe';
  if (schema.type === 'integer') return schema.maximum !== undefined ? String(schema.maximum + 1) : 'x';
  if (schema.pattern) return 'July';
  if (schema.maxLength) return 'x'.repeat(schema.maxLength + 1);
  return undefined;
}

for (const operation of operations) {
  describe(operation.key, () => {
    const method = operation.method;
    const okStatus = method === 'options' ? 204 : 200;

    const params = queryParams(operation);
    // the request with the required parameters only
    const required = Object.fromEntries(params.filter((p) => p.required).map((p) => [p.name, exampleOf(p)]));

    test(`answers ${okStatus} as documented`, async () => {
      await expectAnswer(operation, method === 'options' ? {} : required, { status: okStatus });
    });

    const headerParams = operation.params.filter((p) => p.in === 'header');
    if (headerParams.length) {
      test(`takes the request headers ${headerParams.map((p) => p.name).join(', ')}`, async () => {
        for (const param of headerParams) {
          const value = exampleOf(param);
          assert.ok(value !== undefined, `no example for header ${param.name}`);
          const { res, target } = await send(operation, method === 'options' ? {} : required, { headers: { [param.name]: String(value) } });
          const problems = checkAnswer(operation, res, { query: method === 'options' ? {} : required, head: method === 'head' });
          if (![200, 204, 304].includes(res.status)) problems.unshift(`status ${res.status}`);
          if (problems.length) assert.fail(`${method.toUpperCase()} ${target} with ${param.name}: ${String(value)}\n  ${problems.join('\n  ')}`);
        }
      });
    }

    if (method === 'options') {
      test('answers a CORS preflight', async () => {
        const res = await expectAnswer(operation, {}, {
          status: 204,
          headers: { Origin: 'http://dashboard.test', 'Access-Control-Request-Method': 'GET' },
        });
        for (const h of ['access-control-allow-methods', 'access-control-allow-headers', 'access-control-max-age', 'access-control-allow-origin']) {
          assert.ok(res.headers[h], `preflight without ${h}`);
        }
      });
      test('refuses a malformed query, a long target and large headers', async () => {
        await expectAnswer(operation, {}, { status: 400, target: `${targetOf(operation)}?q=%zz` });
        await expectAnswer(operation, {}, { status: 414, target: `${targetOf(operation)}?q=${'a'.repeat(9000)}` });
        await expectAnswer(operation, {}, { status: 431, headers: { 'X-Padding': 'a'.repeat(17000) } });
      });
      return;
    }

    for (const param of params) {
      const values = validValues(param);
      test(`takes ${param.name} (${values.length} values)`, async () => {
        assert.ok(values.length > 0, `no example or enumeration to try for ${param.name}`);
        for (const value of values) {
          const res = await expectAnswer(operation, { ...required, ...companions(operation, param), [param.name]: value }, { status: 200 });
          if (param.name === 'format') {
            assert.equal(mediaType(res.headers['content-type']), FORMAT_MEDIA[value]);
          }
        }
      });
      const bad = invalidValue(param);
      if (bad !== undefined) {
        const expected = param.name === 'format' ? 406 : 400;
        test(`refuses an invalid ${param.name} with ${expected}`, async () => {
          const res = await expectAnswer(operation, { ...required, ...companions(operation, param), [param.name]: bad }, { status: expected });
          if (method === 'head') return;
          const problem = problemOf(res);
          const error = problem.errors.find((e) => e.parameter === param.name);
          assert.ok(error, `the problem does not name ${param.name}: ${JSON.stringify(problem)}`);
          assert.equal(error.value, Buffer.byteLength(bad) > 255 ? bad.slice(0, 255) : bad);
          const [schema] = deref(doc, param.schema, '');
          let allowed = enumValues(doc, schema.type === 'array' ? schema.items : schema);
          // sort keys: the daemon lists the keys, the spec the keys and their descending forms
          if (allowed && param.name === 'sort') allowed = [...new Set(allowed.map((v) => String(v).replace(/^-/, '')))];
          const listed = allowedList(error.reason);
          if (allowed && listed && param.name !== 'format') {
            const specSet = new Set(allowed.map(String));
            const extra = listed.items.filter((v) => !specSet.has(v));
            assert.deepEqual(extra, [], `${param.name}: the daemon allows values the spec does not list`);
            if (!listed.truncated) {
              const daemonSet = new Set(listed.items);
              assert.deepEqual([...specSet].filter((v) => !daemonSet.has(v)), [], `${param.name}: the spec lists values the daemon does not allow`);
            }
          }
        });
      }
      if (param.required) {
        test(`requires ${param.name}`, async () => {
          const others = Object.fromEntries(Object.entries(required).filter(([k]) => k !== param.name));
          await expectAnswer(operation, others, { status: 400 });
        });
      }
    }

    // API.md: nothing is silently ignored, on any route (the operational probes included)
    test('names its parameters when refusing an unknown one', async () => {
      const res = await expectAnswer(operation, { ...required, 'no-such-parameter': '1' }, { status: 400 });
      if (method === 'head') return;
      const problem = problemOf(res);
      assert.equal(problem.code, 'unknown_parameter');
      assert.equal(problem.errors[0].parameter, 'no-such-parameter');
      assert.match(problem.errors[0].reason, new RegExp(`not a parameter of ${operation.path.replace(/[{}]/g, '\\$&')};`),
        'the reason names another route than the one requested');
      const listed = allowedList(problem.errors[0].reason);
      assert.ok(listed, `no list of allowed parameters in: ${problem.errors[0].reason}`);
      const names = params.map((p) => p.name);
      assert.deepEqual(listed.items.filter((n) => !names.includes(n)), [], 'parameters the daemon takes that the spec does not list');
      if (!listed.truncated) assert.deepEqual(names.filter((n) => !listed.items.includes(n)), [], 'parameters the spec lists that the daemon does not take');
    });

    test('negotiates every representation by Accept and refuses others with 406', async () => {
      const [ok] = deref(doc, operation.op.responses['200'], '');
      for (const type of Object.keys(ok.content)) {
        const res = await expectAnswer(operation, required, { status: 200, headers: { Accept: `${type}, */*;q=0.1` } });
        assert.equal(mediaType(res.headers['content-type']), type);
      }
      await expectAnswer(operation, required, { status: 406, headers: { Accept: 'image/png' } });
    });

    if (operation.op.responses['304']) test('answers conditional requests with 304', async () => {
      const first = await expectAnswer(operation, required, { status: 200 });
      const etag = first.headers.etag;
      assert.ok(etag, 'no ETag');
      // RFC 9110 15.4.5: no representation metadata on a 304 (Content-Type is a framing header
      // to checkAnswer, so it is checked here; the others must be undocumented for the 304)
      const noMetadata = (res) => assert.equal(res.headers['content-type'], undefined, 'a 304 with Content-Type');
      noMetadata(await expectAnswer(operation, required, { status: 304, headers: { 'If-None-Match': etag } }));
      if (first.headers['last-modified']) {
        noMetadata(await expectAnswer(operation, required, { status: 304, headers: { 'If-Modified-Since': first.headers['last-modified'] } }));
      }
    });

    test('compresses with gzip when asked', async () => {
      const res = await expectAnswer(operation, required, { status: 200, headers: { 'Accept-Encoding': 'gzip' } });
      if (res.headers['content-encoding']) assert.match(res.headers.etag, /-gz"$/);
    });

    test('echoes X-Request-Id and answers CORS', async () => {
      const res = await expectAnswer(operation, required, { status: 200, headers: { 'X-Request-Id': 'contract-test.1', Origin: 'http://dashboard.test' } });
      assert.equal(res.headers['x-request-id'], 'contract-test.1');
      assert.ok(res.headers['access-control-allow-origin'], 'no Access-Control-Allow-Origin');
    });

    test('refuses bad encoding, too many parameters, a long target and large headers', async () => {
      const path = targetOf(operation);
      await expectAnswer(operation, {}, { status: 400, target: `${path}?pretty=%ff` });
      await expectAnswer(operation, {}, { status: 400, target: `${path}?${Array.from({ length: 70 }, (_, i) => `p${i}=1`).join('&')}` });
      await expectAnswer(operation, {}, { status: 414, target: `${path}?q=${'a'.repeat(9000)}` });
      await expectAnswer(operation, {}, { status: 431, headers: { 'X-Padding': 'a'.repeat(17000) } });
    });

    const pathParams = operation.params.filter((p) => p.in === 'path');
    if (pathParams.length) {
      test('answers 404 for an unknown id', async () => {
        const res = await expectAnswer(operation, { ...required, '{id}': 'no-such-record-anywhere' }, { status: 404 });
        if (method === 'get') assert.equal(problemOf(res).code, 'not_found');
      });
    }
    if (pathParams.length && operation.op.responses['308']) {
      test('redirects the id in another case to the id (308, Location, the query kept)', async () => {
        const id = String(required['{id}'] ?? exampleOf(pathParams[0]));
        const res = await expectAnswer(operation, { ...required, '{id}': id.toUpperCase() }, { status: 308 });
        assert.equal(res.headers.location, targetOf(operation, required));
        if (method === 'get') assert.equal(problemOf(res).code, 'moved_permanently');
      });
    }

    if (method === 'get') {
      test('HEAD sends the headers of GET', async () => {
        const get = await request(daemon.port, { method: 'GET', target: targetOf(operation, required) });
        const head = await request(daemon.port, { method: 'HEAD', target: targetOf(operation, required) });
        const skip = new Set(['date', 'x-request-id', 'content-length', 'connection', 'keep-alive']);
        // a never-cached route's body (and so its ETag and length) may change between two requests
        if (get.headers['cache-control'] === 'no-store') skip.add('etag');
        const pick = (h) => Object.fromEntries(Object.entries(h).filter(([k]) => !skip.has(k)));
        assert.deepEqual(pick(head.headers), pick(get.headers));
        assert.equal(head.encoded.length, 0);
      });

      test('refuses other methods with 405 and the documented methods in Allow', async () => {
        const documented = METHODS.filter((m) => doc.paths[operation.path][m]).map((m) => m.toUpperCase()).join(', ');
        for (const other of ['POST', 'PUT', 'PATCH', 'DELETE', 'TRACE']) {
          const res = await request(daemon.port, { method: other, target: targetOf(operation, required) });
          assert.equal(res.status, 405, `${other}: ${res.status}`);
          assert.equal(res.headers.allow, documented);
          assert.equal(mediaType(res.headers['content-type']), 'application/problem+json');
          const problem = problemOf(res);
          assert.deepEqual(validator.check('#/components/schemas/Problem', problem), []);
          assert.equal(problem.code, 'method_not_allowed');
          assert.equal(problem.status, 405);
        }
      });
    }
  });
}

// The values a sort key orders by (server/catalog.c's columns), read from a record.
// name and title compare as SQLite's NOCASE does (ASCII letters folded).
const nocase = (text) => (typeof text === 'string' ? text.replace(/[A-Z]/g, (c) => c.toLowerCase()) : text);
// position: the first start of the record's own evidence, -1 without any (and for a
// derived edge), so those come first ascending. date: the start, or the start of the
// event date.after names when later (starts: every event's start by id).
const firstStart = (spans) => (Array.isArray(spans) && spans.length ? Math.min(...spans.map((e) => e.start)) : -1);
const laterOf = (a, b) => (a !== null && b && b > a ? b : a);
const SORT_VALUES = {
  name: (r) => [nocase(r.name)],
  title: (r) => [nocase(r.title)],
  date: (r, starts) => [laterOf(r.date?.start ?? null, starts.get(r.date?.after)), r.date?.end ?? null],
  end: (r) => [r.date?.end ?? null, r.date?.start ?? null],
  start: (r) => [r.start, r.end],
  certainty: (r) => [{ stated: 1, likely: 2 }[r.certainty] ?? 3],
  derived: (r) => [r.derived ? 1 : 0],
  position: (r) => [r.derived ? -1 : firstStart(r.evidence)],
};

/*
 * Is records in the order sort=key documents? Each column in the key's direction,
 * nulls last in both directions, and the id ascending among equal values (the
 * tie-break, whichever the direction). Returns the first violation or null.
 */
function sortProblem(key, records, starts) {
  const descending = key.startsWith('-');
  const name = key.replace(/^-/, '');
  const valuesOf = SORT_VALUES[name] || ((r) => [r[name]]);
  const compare = (a, b) => {
    for (let i = 0; i < a.length; i++) {
      if (a[i] === b[i]) continue;
      if (a[i] === null) return 1;
      if (b[i] === null) return -1;
      const order = a[i] < b[i] ? -1 : 1;
      return descending ? -order : order;
    }
    return 0;
  };
  for (let i = 1; i < records.length; i++) {
    const [a, b] = [valuesOf(records[i - 1], starts), valuesOf(records[i], starts)];
    if ([...a, ...b].some((v) => v === undefined)) return `record ${records[i].id} has no value for ${name}`;
    const order = compare(a, b);
    if (order > 0) return `${records[i - 1].id} (${JSON.stringify(a)}) before ${records[i].id} (${JSON.stringify(b)})`;
    if (order === 0 && !(records[i - 1].id < records[i].id))
      return `equal values ${JSON.stringify(a)}, but id ${records[i - 1].id} before ${records[i].id}`;
  }
  return null;
}

// Collection routes: paging, sorting, field selection and embedding in depth.
describe('collections', () => {
  const lists = operations.filter((o) => o.method === 'get' && o.params.some((p) => p.name === 'limit' && p.in === 'query'));
  for (const operation of lists) {
    const required = Object.fromEntries(queryParams(operation).filter((p) => p.required).map((p) => [p.name, exampleOf(p)]));
    test(`${operation.key}: pages add up to the total, in every representation`, async () => {
      const first = await expectAnswer(operation, { ...required, limit: 3 }, { status: 200 });
      const total = Number(first.headers['x-total-count']);
      let seen = 0;
      for (let offset = 0; offset < total && offset < 60; offset += 3) {
        const page = await expectAnswer(operation, { ...required, limit: 3, offset }, { status: 200 });
        seen += JSON.parse(page.body).data.length;
      }
      if (total <= 60) assert.equal(seen, total);
      const [ok] = deref(doc, operation.op.responses['200'], '');
      for (const type of Object.keys(ok.content)) {
        const format = Object.entries(FORMAT_MEDIA).find(([, t]) => t === type)[0];
        await expectAnswer(operation, { ...required, limit: 2, format }, { status: 200 });
      }
    });
    const fields = operation.params.find((p) => p.name === 'fields');
    if (fields) {
      test(`${operation.key}: fields= and include= in every representation`, async () => {
        const names = enumValues(doc, deref(doc, fields.schema, '')[0].items);
        const [ok] = deref(doc, operation.op.responses['200'], '');
        for (const type of Object.keys(ok.content)) {
          const format = Object.entries(FORMAT_MEDIA).find(([, t]) => t === type)[0];
          await expectAnswer(operation, { limit: 2, format, fields: names.slice(0, 3).join(',') }, { status: 200 });
          // without id: a GeoJSON Feature must still have its id
          await expectAnswer(operation, { limit: 2, format, fields: names.filter((n) => n !== 'id').slice(0, 2).join(',') }, { status: 200 });
          if (format !== 'geojson') await expectAnswer(operation, { limit: 2, format, include: 'events,organizations' }, { status: 200 });
          await expectAnswer(operation, { limit: 2, format, fields: names.join(',') }, { status: 200 });
        }
      });
    }
    const sort = operation.params.find((p) => p.name === 'sort');
    if (sort) {
      test(`${operation.key}: every sort key, both directions, in order`, async () => {
        const events = await request(daemon.port, { target: '/v1/events?fields=id,date&limit=500' });
        const starts = new Map(JSON.parse(events.body).data.map((e) => [e.id, e.date?.start]));
        for (const key of enumValues(doc, deref(doc, sort.schema, '')[0].items)) {
          await expectAnswer(operation, { sort: key, limit: 5 }, { status: 200 });
          const records = [];
          for (let offset = 0; ; offset += 500) {
            const page = JSON.parse((await expectAnswer(operation, { sort: key, limit: 500, offset }, { status: 200 })).body);
            records.push(...page.data);
            if (records.length >= page.meta.total || page.data.length === 0) break;
          }
          const problem = sortProblem(key, records, starts);
          if (problem) assert.fail(`${operation.key}?sort=${key}: ${problem}`);
        }
      });
    }
  }
});

describe('the spec routes without their files', () => {
  test('answer 500 internal_error naming the missing file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-nospec-'));
    const broken = await startDaemon(['--spec-dir', dir]);
    try {
      for (const path of ['/openapi.yaml', '/openapi.json', '/docs']) {
        for (const method of ['get', 'head']) {
          const operation = operations.find((o) => o.path === path && o.method === method);
          const res = await request(broken.port, { method: method.toUpperCase(), target: path });
          assert.deepEqual(checkAnswer(operation, res, { head: method === 'head' }), []);
          assert.equal(res.status, 500);
          if (method === 'get') assert.match(problemOf(res).detail, /openapi\.yaml: No such file or directory/);
        }
      }
    } finally {
      await broken.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('coverage', () => {
  test('every documented response of every operation was seen', () => {
    const missing = [];
    for (const operation of operations) {
      const seen = coverage.get(operation.key) || new Set();
      for (const status of Object.keys(operation.op.responses)) {
        if (seen.has(status)) continue;
        if (status === '503') continue; // no model loaded yet: the daemon only listens once one is
        if (status === '500' && !['/openapi.yaml', '/openapi.json', '/docs'].includes(operation.path)) continue;
        missing.push(`${operation.key} ${status}`);
      }
    }
    assert.deepEqual(missing, []);
  });
});

/*
 * The same model served from its compiled file (--export-db, then --data FILE)
 * answers every request above exactly as the JSON path (compiled into memory)
 * does: status, ETag and body byte for byte. Only what is about the process
 * rather than the model may differ: the operational routes /metrics,
 * /healthz and /readyz and the index `/` (counters, uptime, loaded_at, and so
 * their ETags), and Last-Modified (when each daemon loaded the model), and so
 * the answer to an If-Modified-Since.
 */
describe('the compiled model file', () => {
  test('serves every request of this suite with the JSON path\'s status, ETag and body', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-compiled-'));
    const file = join(dir, 'model.strata');
    const bin = process.env.STRATA_BIN || join(root, 'build', 'strata');
    execFileSync(bin, ['--data', join(root, 'data'), '--export-db', file], { stdio: 'pipe' });
    const compiled = await startDaemon(['--data', file]);
    try {
      const differences = [];
      let compared = 0;
      for (const req of sent.values()) {
        if (['/', '/metrics', '/healthz', '/readyz'].includes(req.target.split('?')[0])) continue;
        if (Object.keys(req.headers || {}).some((h) => h.toLowerCase() === 'if-modified-since')) continue;
        const [a, b] = [await rawRequest(daemon.port, req), await rawRequest(compiled.port, req)];
        compared++;
        const what = `${req.method} ${req.target} ${JSON.stringify(req.headers || {})}`;
        if (a.status !== b.status) differences.push(`${what}: status ${a.status} vs ${b.status}`);
        else if (a.headers.etag !== b.headers.etag) differences.push(`${what}: ETag ${a.headers.etag} vs ${b.headers.etag}`);
        else if (!a.body.equals(b.body)) differences.push(`${what}: bodies differ`);
      }
      assert.ok(compared > 100, `only ${compared} requests to compare`);
      assert.deepEqual(differences.slice(0, 20), []);
    } finally {
      await compiled.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
