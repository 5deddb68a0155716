#!/usr/bin/env node
// Renders a .hps file as highlighted HTML and/or SVG, tokenised by vscode-textmate (the TextMate
// engine VS Code uses) with syntaxes/hps.tmLanguage.json, coloured with the token rules of VS Code's
// "Dark+" theme (THEME below). This is the grammar's own output, not a screenshot of VS Code.
//
//   node editors/vscode/render.js FILE [--html OUT.html] [--svg OUT.svg] [--title TEXT]
//
// Needs `npm ci` in editors/vscode (vscode-textmate, vscode-oniguruma: devDependencies).
'use strict';

const fs = require('fs');
const path = require('path');
const vsctm = require('vscode-textmate');
const oniguruma = require('vscode-oniguruma');

const GRAMMAR = path.join(__dirname, 'syntaxes', 'hps.tmLanguage.json');
const SCOPE = 'source.hps';

// VS Code "Dark+" (extensions/theme-defaults/themes/dark_plus.json, which includes dark_vs.json):
// the editor colours and the token rules for the standard scopes, nothing else. A token takes the
// colour of the rule whose scope is the longest dot-separated prefix of its innermost scope that
// any rule matches, else of the enclosing scope, else the default (vscode-textmate does the
// matching, as in VS Code). Scopes with no rule here (e.g. support.constant.*, punctuation.*)
// show in the default foreground, as they do in VS Code with Dark+.
const EDITOR = { background: '#1E1E1E', foreground: '#D4D4D4', lineNumber: '#858585' };
const THEME = [
  ['comment', '#6A9955'],
  ['string', '#CE9178'],
  ['constant.language', '#569CD6'],
  ['constant.numeric', '#B5CEA8'],
  ['constant.character', '#569CD6'],
  ['constant.character.escape', '#D7BA7D'],
  ['keyword', '#569CD6'],
  ['keyword.control', '#C586C0'],
  ['keyword.operator', '#D4D4D4'],
  ['keyword.operator.expression', '#569CD6'],
  ['keyword.operator.new', '#569CD6'],
  ['keyword.other.unit', '#B5CEA8'],
  ['storage', '#569CD6'],
  ['storage.type', '#569CD6'],
  ['storage.modifier', '#569CD6'],
  ['entity.name.function', '#DCDCAA'],
  ['support.function', '#DCDCAA'],
  ['entity.name.type', '#4EC9B0'],
  ['entity.name.class', '#4EC9B0'],
  ['entity.name.namespace', '#4EC9B0'],
  ['support.class', '#4EC9B0'],
  ['support.type', '#4EC9B0'],
  ['support.type.property-name', '#9CDCFE'],
  ['entity.other.attribute-name', '#9CDCFE'],
  ['variable', '#9CDCFE'],
  ['variable.language', '#569CD6'],
  ['support.variable', '#9CDCFE'],
  ['entity.name.variable', '#9CDCFE'],
  ['invalid', '#F44747'],
];

const FONT_SIZE = 14; // VS Code's default editor.fontSize and line height (px)
const LINE_HEIGHT = 19;
const CHAR_WIDTH = 8.43; // ~0.6 em: the advance of common monospace fonts at 14px
const TAB = '    ';
// vscode-textmate's MetadataConsts (a `const enum`, so absent at run time): the foreground colour's
// index into registry.getColorMap() in a tokenizeLine2 metadata word.
const FOREGROUND_MASK = 0x00ff8000;
const FOREGROUND_OFFSET = 15;
const FONTS = "Consolas, 'DejaVu Sans Mono', 'Liberation Mono', 'Courier New', monospace";

function usage(msg) {
  if (msg) process.stderr.write(`render.js: ${msg}\n`);
  process.stderr.write('usage: node render.js FILE [--html OUT.html] [--svg OUT.svg] [--title TEXT]\n');
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { file: null, html: null, svg: null, title: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--html' || a === '--svg' || a === '--title') {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      opts[a.slice(2)] = argv[++i];
    } else if (a === '-h' || a === '--help') {
      usage();
    } else if (a.startsWith('-')) {
      usage(`unknown option ${a}`);
    } else if (opts.file === null) {
      opts.file = a;
    } else {
      usage(`unexpected argument ${a}`);
    }
  }
  if (!opts.file) usage('no input file');
  if (!opts.html && !opts.svg) usage('give --html and/or --svg');
  return opts;
}

async function loadGrammar() {
  const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scopeName) =>
      scopeName === SCOPE
        ? vsctm.parseRawGrammar(fs.readFileSync(GRAMMAR, 'utf8'), GRAMMAR)
        : null,
  });
  registry.setTheme({
    name: 'Dark+ (token rules)',
    settings: [
      { settings: { foreground: EDITOR.foreground, background: EDITOR.background } },
      ...THEME.map(([scope, foreground]) => ({ scope, settings: { foreground } })),
    ],
  });
  const grammar = await registry.loadGrammar(SCOPE);
  if (!grammar) throw new Error(`could not load ${GRAMMAR}`);
  return { grammar, colorMap: registry.getColorMap() };
}

// Returns one array per line of { text, scopes, color }.
function tokenize(grammar, colorMap, source) {
  const lines = source.replace(/\r\n?/g, '\n').replace(/\n$/, '').split('\n');
  let state = vsctm.INITIAL;
  return lines.map((raw) => {
    const line = raw.replace(/\t/g, TAB);
    const withScopes = grammar.tokenizeLine(line, state);
    const binary = grammar.tokenizeLine2(line, state).tokens; // [start, metadata, start, metadata, …]
    state = withScopes.ruleStack;
    const colorAt = (offset) => {
      let meta = binary[1];
      for (let i = 0; i < binary.length && binary[i] <= offset; i += 2) meta = binary[i + 1];
      return colorMap[(meta & FOREGROUND_MASK) >>> FOREGROUND_OFFSET].toUpperCase();
    };
    return withScopes.tokens
      .filter((t) => t.endIndex > t.startIndex)
      .map((t) => ({
        text: line.slice(t.startIndex, t.endIndex),
        scopes: t.scopes,
        color: colorAt(t.startIndex),
      }));
  });
}

// Adjacent tokens of one colour become one run (whitespace joins the run before it).
function runs(tokens) {
  const out = [];
  for (const t of tokens) {
    const last = out[out.length - 1];
    if (last && (last.color === t.color || /^\s+$/.test(t.text))) last.text += t.text;
    else if (last && /^\s+$/.test(last.text)) { last.text += t.text; last.color = t.color; }
    else out.push({ text: t.text, color: t.color });
  }
  return out;
}

const escape = (s) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function caption(opts) {
  return `${opts.title || opts.file}: tokenised by vscode-textmate with ` +
    'editors/vscode/syntaxes/hps.tmLanguage.json, coloured with VS Code Dark+ token rules ' +
    '(editors/vscode/render.js)';
}

function renderHtml(lines, opts) {
  const gutter = String(lines.length).length;
  const body = lines.map((tokens, i) => {
    const spans = tokens.map((t) => {
      const scopes = t.scopes.slice(1).join(' ') || SCOPE;
      return t.color === EDITOR.foreground
        ? `<span title="${escape(scopes)}">${escape(t.text)}</span>`
        : `<span style="color:${t.color}" title="${escape(scopes)}">${escape(t.text)}</span>`;
    }).join('');
    return `<span class="ln">${String(i + 1).padStart(gutter)}</span>${spans}`;
  }).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escape(opts.title || opts.file)}</title>
<style>
  body { margin: 0; background: ${EDITOR.background}; color: ${EDITOR.foreground}; }
  pre { margin: 0; padding: 16px 20px; font-family: ${FONTS};
        font-size: ${FONT_SIZE}px; line-height: ${LINE_HEIGHT}px; }
  .ln { color: ${EDITOR.lineNumber}; display: inline-block; margin-right: 24px; user-select: none; }
  p { margin: 0; padding: 0 20px 16px; font: 12px sans-serif; color: ${EDITOR.lineNumber}; }
</style>
</head>
<body>
<pre>${body}</pre>
<p>${escape(caption(opts))}.</p>
</body>
</html>
`;
}

// SVG: one <text> per line; spaces become U+00A0 so that no renderer collapses the indentation.
function renderSvg(lines, opts) {
  const gutter = String(lines.length).length;
  const pad = 16;
  const codeX = pad + (gutter + 2) * CHAR_WIDTH;
  const cols = Math.max(...lines.map((ts) => ts.reduce((n, t) => n + [...t.text].length, 0)));
  const width = Math.ceil(codeX + cols * CHAR_WIDTH + pad);
  const height = pad * 2 + lines.length * LINE_HEIGHT + 22;
  const baseline = (i) => (pad + i * LINE_HEIGHT + FONT_SIZE).toFixed(0);
  const nbsp = (s) => escape(s).replace(/ /g, '\u00A0');
  const text = lines.map((tokens, i) => {
    const spans = runs(tokens).map((r) =>
      r.color === EDITOR.foreground || /^\s+$/.test(r.text)
        ? nbsp(r.text)
        : `<tspan fill="${r.color}">${nbsp(r.text)}</tspan>`).join('');
    return `<text x="${(codeX - 2 * CHAR_WIDTH).toFixed(1)}" y="${baseline(i)}" fill="${EDITOR.lineNumber}" text-anchor="end">${i + 1}</text>` +
      (spans ? `<text x="${codeX.toFixed(1)}" y="${baseline(i)}">${spans}</text>` : '');
  }).join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">
<title>${escape(caption(opts))}</title>
<rect width="100%" height="100%" rx="6" fill="${EDITOR.background}"/>
<g font-family="${FONTS.replace(/'/g, '&apos;')}" font-size="${FONT_SIZE}" fill="${EDITOR.foreground}">
${text}
</g>
<text x="${pad}" y="${height - pad}" font-family="sans-serif" font-size="11" fill="${EDITOR.lineNumber}">${escape(caption(opts))}</text>
</svg>
`;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const source = fs.readFileSync(opts.file, 'utf8');
  const { grammar, colorMap } = await loadGrammar();
  const lines = tokenize(grammar, colorMap, source);
  if (opts.html) fs.writeFileSync(opts.html, renderHtml(lines, opts));
  if (opts.svg) fs.writeFileSync(opts.svg, renderSvg(lines, opts));
}

main().catch((err) => {
  process.stderr.write(`render.js: ${err && err.code ? err.message : (err && err.stack) || err}\n`);
  process.exit(1);
});
