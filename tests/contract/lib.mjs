// lib.mjs - what the contract test needs: the OpenAPI document and a validator
// for its schemas, the route table parsed from server/routes.c, the real
// daemon on an ephemeral port, and a raw HTTP client.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import YAML from 'yaml';

const here = dirname(fileURLToPath(import.meta.url));
export const root = process.env.STRATA_ROOT ? resolve(process.env.STRATA_ROOT) : resolve(here, '..', '..');
export const specDir = join(root, 'api-spec');

// ---- the document -----------------------------------------------------------

export function loadSpec() {
  const yamlText = readFileSync(join(specDir, 'openapi.yaml'), 'utf8');
  return { doc: YAML.parse(yamlText), yamlText };
}

/* The node at a JSON pointer ("#/components/schemas/Actor") of doc. */
export function pointer(doc, ref) {
  if (!ref.startsWith('#/')) throw new Error(`not a local reference: ${ref}`);
  let node = doc;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === undefined || node === null || !(key in node)) throw new Error(`unresolved reference ${ref}`);
    node = node[key];
  }
  return node;
}

export const escapePointer = (s) => s.replace(/~/g, '~0').replace(/\//g, '~1');

/* Follow $ref (one object may be a reference to another) and return [node, pointer]. */
export function deref(doc, node, at) {
  let where = at;
  let seen = 0;
  while (node && typeof node === 'object' && typeof node.$ref === 'string') {
    where = node.$ref;
    node = pointer(doc, node.$ref);
    if (++seen > 32) throw new Error(`reference loop at ${at}`);
  }
  return [node, where];
}

/* Every value a schema allows when it is an enumeration (through $ref, anyOf, oneOf, const). */
export function enumValues(doc, schema) {
  const [s] = deref(doc, schema, '');
  if (!s || typeof s !== 'object') return null;
  if (Array.isArray(s.enum)) return [...s.enum];
  if ('const' in s) return [s.const];
  const parts = s.anyOf || s.oneOf;
  if (parts) {
    const out = [];
    for (const p of parts) {
      const v = enumValues(doc, p);
      if (!v) return null;
      out.push(...v);
    }
    return out;
  }
  return null;
}

/* The properties a schema names for an object (through $ref, allOf, anyOf, oneOf). */
export function objectProperties(doc, schema) {
  const [s] = deref(doc, schema, '');
  if (!s || typeof s !== 'object') return null;
  if (s.properties) return s.properties;
  for (const key of ['allOf', 'anyOf', 'oneOf']) {
    if (!s[key]) continue;
    for (const p of s[key]) {
      const found = objectProperties(doc, p);
      if (found) return found;
    }
  }
  return null;
}

/* Ajv for OpenAPI 3.1 schemas (JSON Schema 2020-12) with the document as the base of references. */
export function makeValidator(doc) {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false, unicodeRegExp: true });
  addFormats(ajv);
  ajv.addSchema(doc, 'openapi.json');
  const cache = new Map();
  return {
    ajv,
    /* Validate data against the schema at a pointer of the document; returns a list of messages. */
    check(ref, data) {
      let validate = cache.get(ref);
      if (!validate) {
        validate = ajv.compile({ $ref: `openapi.json${ref}` });
        cache.set(ref, validate);
      }
      if (validate(data)) return [];
      return validate.errors.map((e) => `${e.instancePath || '(root)'} ${e.message}${e.params && e.params.additionalProperty ? ` (${e.params.additionalProperty})` : ''}${e.params && e.params.allowedValues ? ` (${e.params.allowedValues.join(', ')})` : ''}`);
    },
  };
}

// ---- the route table ----------------------------------------------------------

/*
 * The routes of server/routes.c: [{pattern, formats}]. Rows are initializers
 * `{"/path", handler, MASK, cacheable}`; a row may come from a function-like
 * macro (`COLLECTION(actors)`) whose body holds rows with `"/v1/" #name`
 * pieces. Masks are expressions of REPR_BIT(REPR_X) and object-like macros.
 */
export function parseRoutes(source) {
  const text = source.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, ' ');
  const defines = new Map();
  const functionMacros = new Map();
  for (const m of text.matchAll(/#define[ \t]+(\w+)(\(([^)]*)\))?[ \t]*((?:[^\n\\]|\\\n|\\.)*)/g)) {
    const body = m[4].replace(/\\\n/g, ' ').trim();
    if (m[2]) functionMacros.set(m[1], { params: m[3].split(',').map((p) => p.trim()), body });
    else defines.set(m[1], body);
  }
  const table = text.match(/const struct route routes\[\]\s*=\s*\{([\s\S]*?)\n\};/);
  if (!table) throw new Error('server/routes.c: no `const struct route routes[] = {...};` table');
  let rows = table[1];
  // expand function-like macros (stringification and string concatenation)
  for (let pass = 0; pass < 4; pass++) {
    for (const [name, macro] of functionMacros) {
      rows = rows.replace(new RegExp(`\\b${name}\\s*\\(([^()]*)\\)`, 'g'), (_, args) => {
        const values = args.split(',').map((a) => a.trim());
        let body = macro.body.replace(/\s*##\s*/g, '\u0001');
        macro.params.forEach((p, i) => {
          body = body.replace(new RegExp(`(^|[^\u0001])#\\s*${p}\\b`, 'g'), (m0, pre) => pre + JSON.stringify(values[i]));
          body = body.replace(new RegExp(`\\b${p}\\b`, 'g'), values[i]);
        });
        return body.replace(/\u0001/g, '');
      });
    }
  }
  const formatOf = (expr) => {
    const out = new Set();
    let e = expr;
    for (let i = 0; i < 8; i++) e = e.replace(/\b([A-Z_]+)\b(?!\()/g, (w) => (defines.has(w) ? `(${defines.get(w)})` : w));
    for (const m of e.matchAll(/REPR_BIT\(\s*REPR_([A-Z]+)\s*\)/g)) out.add(m[1].toLowerCase());
    return out;
  };
  const routes = [];
  for (const m of rows.matchAll(/\{\s*((?:"[^"]*"\s*)+),\s*(\w+)\s*,([^{}]*?),\s*(true|false)\s*\}/g)) {
    const pattern = [...m[1].matchAll(/"([^"]*)"/g)].map((x) => x[1]).join('');
    routes.push({ pattern, handler: m[2], formats: formatOf(m[3]), cacheable: m[4] === 'true' });
  }
  return routes;
}

export const FORMAT_MEDIA = {
  json: 'application/json',
  csv: 'text/csv',
  ndjson: 'application/x-ndjson',
  geojson: 'application/geo+json',
  yaml: 'application/yaml',
  html: 'text/html',
  text: 'text/plain',
};

// ---- the daemon -----------------------------------------------------------------

export async function startDaemon(extraArgs = []) {
  const bin = process.env.STRATA_BIN || join(root, 'build', 'strata');
  if (!existsSync(bin)) throw new Error(`${bin} does not exist: run \`make\` first (or set STRATA_BIN)`);
  const dir = mkdtempSync(join(tmpdir(), 'strata-contract-'));
  const portFile = join(dir, 'port');
  // the model compiled into memory at start (no cache folder): the JSON path; extraArgs may
  // give --data a compiled model file instead
  const args = ['--port', '0', '--port-file', portFile, '--data', join(root, 'data'), '--spec-dir', specDir,
    '--access-log', 'false', '--cache-dir', 'off', ...extraArgs];
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const deadline = Date.now() + 30000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`strata exited with ${child.exitCode}: ${stderr}`);
    if (existsSync(portFile)) {
      const port = Number(readFileSync(portFile, 'utf8').trim());
      if (port > 0) {
        return {
          port,
          stderr: () => stderr,
          async stop() {
            if (child.exitCode === null) {
              const done = new Promise((r) => child.once('exit', r));
              child.kill('SIGTERM');
              await done;
            }
            rmSync(dir, { recursive: true, force: true });
            return child.exitCode;
          },
        };
      }
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  child.kill('SIGKILL');
  throw new Error(`strata did not write ${portFile} within 30 s: ${stderr}`);
}

// ---- HTTP -----------------------------------------------------------------------

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

/*
 * One request; resolves to {status, headers (lower-case names, raw values),
 * rawHeaders, body (Buffer, decompressed when gzip), encoded (Buffer as sent)}.
 */
export function request(port, { method = 'GET', target, headers = {} }) {
  return new Promise((resolvePromise, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: target, headers, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const encoded = Buffer.concat(chunks);
        let body = encoded;
        if (res.headers['content-encoding'] === 'gzip' && encoded.length) body = gunzipSync(encoded);
        const names = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) names.push(res.rawHeaders[i]);
        resolvePromise({ status: res.statusCode, headers: res.headers, names, body, encoded });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(20000, () => req.destroy(new Error(`timeout: ${method} ${target}`)));
    req.end();
  });
}

export function closeConnections() {
  agent.destroy();
}
