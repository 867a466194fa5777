#!/usr/bin/env node
// run.mjs - run the contract test with node's test runner (spec reporter) and
// close with the plain "N passed, M failed" line; exit 1 when anything failed.
import { dirname, join } from 'node:path';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const started = Date.now();
let passed = 0;
let failed = 0;
const stream = run({ files: [join(here, 'contract.test.mjs')], concurrency: 1, timeout: 600000 });
const isSuite = (data) => data.details && data.details.type === 'suite';
stream.on('test:pass', (data) => {
  if (!isSuite(data) && !data.skip && !data.todo) passed++;
});
stream.on('test:fail', (data) => {
  if (!isSuite(data)) failed++;
});
const report = stream.compose(spec);
report.pipe(process.stdout, { end: false });
report.on('end', () => {
  process.stdout.write(`contract: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  process.exitCode = failed || passed === 0 ? 1 : 0;
});
