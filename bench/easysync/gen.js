'use strict';
// Benchmark corpus for the Easysync engine: for pads of about 1 KB,
// 100 KB and 1 MB (multi-line, several authors, bold runs, a little
// non-ASCII), keystroke-sized changesets for follow, compose and
// applyToAText, built with Etherpad's Changeset.js.
//
//   node bench/easysync/gen.js OUTDIR

const fs = require('fs');
const path = require('path');
const {Changeset, AttributePool} = require('../../t/easysync/oracle');

const out = process.argv[2];
fs.mkdirSync(out, {recursive: true});

let state = 42;
const rnd = () => {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const rInt = (n) => Math.floor(rnd() * n);

const WORDS = ['the', 'pad', 'text', 'is', 'synchronized', 'as', 'you',
  'type', 'caf\u00e9', 'na\u00efve', 'etherpad', 'nginx', 'module',
  'changeset', 'follow', 'compose', '\u{1F600}', 'a', 'of', 'and'];

const makePad = (size, pool) => {
  const authors = [0, 1, 2, 3].map((i) => pool.putAttrib(['author',
    `a.author${i}`]));
  const bold = pool.putAttrib(['bold', 'true']);
  const assem = Changeset.smartOpAssembler();
  let text = '';
  while (text.length < size - 1) {
    let line = '';
    const want = 20 + rInt(60);
    while (line.length < want) line += `${WORDS[rInt(WORDS.length)]} `;
    line += '\n';
    // runs of one author, sometimes bold
    const c = Array.from(line);
    let i = 0;
    while (i < c.length) {
      const n = 1 + rInt(30);
      const seg = c.slice(i, i + n).join('');
      const a = authors[rInt(authors.length)];
      const attrs = [[a, 'author']];
      if (rnd() < 0.2) attrs.push([bold, 'bold']);
      attrs.sort((x, y) => (x[1] < y[1] ? -1 : 1));
      assem.appendOpWithText('+', seg,
          attrs.map(([n]) => `*${n.toString(36)}`).join(''));
      i += n;
    }
    text += line;
  }
  return {text, attribs: assem.toString()};
};

// an offset at a code point boundary before the final newline
const offset = (text) => {
  let k = rInt(text.length - 1);
  const c = text.charCodeAt(k);
  if (c >= 0xdc00 && c <= 0xdfff) k--;
  return k;
};

const keystroke = (text, author) => {
  const at = offset(text);
  if (rnd() < 0.25) {
    let n = 1;
    const c = text.charCodeAt(at);
    if (c >= 0xd800 && c <= 0xdbff) n = 2;
    if (at + n >= text.length) return Changeset.makeSplice(text, at, 0, 'x',
        `*${author.toString(36)}`);
    return Changeset.makeSplice(text, at, n, '', '');
  }
  const ins = rnd() < 0.1 ? '\n' : WORDS[rInt(WORDS.length)].slice(0, 3);
  return Changeset.makeSplice(text, at, 0, ins, `*${author.toString(36)}`);
};

for (const [name, size] of [['1KB', 1024], ['100KB', 100 * 1024],
  ['1MB', 1024 * 1024]]) {
  const pool = new AttributePool();
  const atext = makePad(size, pool);
  const a = pool.putAttrib(['author', 'a.writer']);
  const b = pool.putAttrib(['author', 'a.other']);
  const cases = [];
  for (let i = 0; i < 64; i++) {
    const cs1 = keystroke(atext.text, a);
    const cs2 = keystroke(atext.text, b);
    const after1 = Changeset.applyToText(cs1, atext.text);
    const cs3 = keystroke(after1, b);
    cases.push({cs1, cs2, cs3});
  }
  fs.writeFileSync(path.join(out, `pad-${name}.json`), JSON.stringify({
    name, atext, pool: pool.toJsonable(), cases,
  }));
  console.log(`${name}: ${atext.text.length} UTF-16 units, ` +
      `${Buffer.byteLength(atext.text)} bytes, attribution ` +
      `${atext.attribs.length} chars`);
}
