import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * The domain library is pure (STYLE.md, "Keep the domain library free of framework and I/O imports"; CONTRACT §4
 * makes the result a function of the events and a clock VALUE): no framework, driver or file-system import and no
 * clock read in any non-spec source file under libs/domain/src.
 */
const ROOT = __dirname;

const FORBIDDEN_MODULES: { name: string; test: (specifier: string) => boolean }[] = [
  { name: '@nestjs/*', test: (s) => s === '@nestjs' || s.startsWith('@nestjs/') },
  { name: 'typeorm', test: (s) => s === 'typeorm' || s.startsWith('typeorm/') },
  { name: 'kafkajs', test: (s) => s === 'kafkajs' || s.startsWith('kafkajs/') },
  { name: 'pg', test: (s) => s === 'pg' || s.startsWith('pg/') || s.startsWith('pg-') },
  { name: 'class-validator', test: (s) => s === 'class-validator' || s.startsWith('class-validator/') },
  { name: 'node:*', test: (s) => s.startsWith('node:') },
  { name: 'fs', test: (s) => s === 'fs' || s.startsWith('fs/') },
];

const CLOCK_READS: { name: string; pattern: RegExp }[] = [
  { name: 'Date.now()', pattern: /\bDate\s*\.\s*now\s*\(/ },
  { name: 'new Date() without arguments', pattern: /\bnew\s+Date\s*(?:\(\s*\)|(?![\s(]))/ },
];

/** Every module specifier of a source text: import … from 'x', import 'x', export … from 'x', require('x'), import('x'). */
function moduleSpecifiers(source: string): string[] {
  const found: string[] = [];
  const patterns = [
    /\b(?:import|export)\s+(?:type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?['"]([^'"]+)['"]/g,
    /\b(?:require|import)\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) for (const match of source.matchAll(pattern)) found.push(match[1]);
  return found;
}

/** Source text without comments (block comments and `//` comments that start a line or follow whitespace). */
function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/(^|\s)\/\/.*$/gm, '$1');
}

function violations(source: string): string[] {
  const code = stripComments(source);
  const problems: string[] = [];
  for (const specifier of moduleSpecifiers(code)) {
    const rule = FORBIDDEN_MODULES.find((r) => r.test(specifier));
    if (rule) problems.push(`imports ${specifier} (${rule.name})`);
  }
  for (const { name, pattern } of CLOCK_READS) if (pattern.test(code)) problems.push(`reads the clock: ${name}`);
  return problems;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !/\.(spec|int-spec)\.ts$/.test(entry.name) ? [path] : [];
  });
}

describe('domain purity', () => {
  const files = sourceFiles(ROOT);

  it('finds the domain sources (the guard is not vacuous)', () => {
    expect(files.length).toBeGreaterThanOrEqual(15);
    const names = files.map((f) => relative(ROOT, f).split('\\').join('/'));
    expect(names).toEqual(expect.arrayContaining(['rules/evaluate.ts', 'ledger/ledger-plan.ts', 'money/decimal.ts', 'testing/event-factory.ts']));
    expect(names.some((n) => n.endsWith('.spec.ts'))).toBe(false);
  });

  it('no non-spec file imports a framework, a driver or node:*/fs, or reads the clock', () => {
    const report = files
      .map((file) => ({ file: relative(ROOT, file), problems: violations(readFileSync(file, 'utf8')) }))
      .filter((entry) => entry.problems.length > 0);
    expect(report).toEqual([]);
  });

  describe('the detector itself', () => {
    it.each([
      "import { Injectable } from '@nestjs/common';",
      "import { Entity } from 'typeorm';",
      "import { Kafka } from 'kafkajs';",
      "import { Pool } from 'pg';",
      "import * as pg from 'pg';",
      "import { IsString } from 'class-validator';",
      "import { readFileSync } from 'node:fs';",
      "import { createHash } from 'node:crypto';",
      "import fs from 'fs';",
      "import { readFile } from 'fs/promises';",
      "import type { Repository } from 'typeorm';",
      "export { Kafka } from 'kafkajs';",
      "import 'reflect-metadata'; import '@nestjs/core';",
      "const fs = require('fs');",
      "const pg = await import('pg');",
      "import {\n  Module,\n  Global,\n} from '@nestjs/common';",
      'const t = Date.now();',
      'const t = Date . now ();',
      'const d = new Date();',
      'const d = new Date( );',
      'const d = new Date;',
    ])('flags %p', (source) => {
      expect(violations(source)).not.toEqual([]);
    });

    it.each([
      "import { evaluate } from './rules/evaluate';",
      "import { Currency } from '../money/currency';",
      "import fc from 'fast-check';",
      "import { x } from 'pgp-utils';",
      "import { y } from './fs';",
      'const d = new Date(epochMs);',
      'const d = new Date(Date.UTC(2026, 0, 1));',
      'const t = Date.parse(text);',
      '// Date.now() is never called here',
      '/* new Date() would read the clock */',
      "const note = 'no clock';",
    ])('accepts %p', (source) => {
      expect(violations(source)).toEqual([]);
    });
  });
});
