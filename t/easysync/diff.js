'use strict';
// Differential test of the C Easysync engine (build/pad-changeset --jsonl)
// against Etherpad's Changeset.js (ep_etherpad-lite@1.8.14, see
// oracle.js): random requests covering every operation, with attributes,
// multi-line text, deletions, insert ties and non-BMP characters.
// Output is TAP.
//
//   node t/easysync/diff.js [--seed N] [--cases N]
//   (or EASYSYNC_SEED / EASYSYNC_CASES in the environment)
//
// Replay a failure with the seed it prints; each failing request is
// printed in full, and can be piped into both implementations:
//   echo 'REQUEST' | build/pad-changeset --jsonl
//   echo 'REQUEST' | node t/easysync/oracle.js

const path = require('path');
const {spawn} = require('child_process');
const {handle, Changeset} = require('./oracle');

const args = process.argv.slice(2);
const arg = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};

const seed = Number(arg('--seed', process.env.EASYSYNC_SEED ||
    String(Math.floor(Math.random() * 2 ** 31))));
const ncases = Number(arg('--cases', process.env.EASYSYNC_CASES || '24000'));
const bin = process.env.PAD_CHANGESET ||
    path.join(__dirname, '..', '..', 'build', 'pad-changeset');

// mulberry32
let state = seed >>> 0;
const rnd = () => {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const rInt = (n) => Math.floor(rnd() * n);
const pick = (a) => a[rInt(a.length)];
const chance = (p) => rnd() < p;

const ATTRS = [
  ['author', 'a.A'], ['author', 'a.B'], ['author', 'a.\u{1F600}x'],
  ['bold', 'true'], ['bold', ''], ['italic', 'true'], ['italic', ''],
  ['underline', 'true'], ['list', 'bullet1'], ['list', 'number2'],
  ['list', ''], ['lmkr', '1'], ['insertorder', 'first'], ['start', '2'],
  ['color', '\uFFFF'], ['color', '\u{1F600}'], ['color', 'red'],
  ['color', ''],
];

const CHARS = ['a', 'b', 'c', 'x', ' ', '\n', '\n', '\n', '\u00e9',
  '\u{1F600}', '\u{1D11E}', '*', '$', '|', '+', '0', 'Z', ':'];

const randomText = (max, min = 0) => {
  const n = min + rInt(max - min + 1);
  let s = '';
  for (let i = 0; i < n; i++) s += pick(CHARS);
  return s;
};

// a pool: a random subset of ATTRS, random numbering, sometimes holes
let manyKeys = false;
const randomPool = () => {
  const items = ATTRS.filter(() => chance(0.75));
  // sometimes many keys, so that ops carry more than 16 attributes
  manyKeys = chance(0.08);
  if (manyKeys) {
    for (let i = 0; i < 40; i++) {
      items.push([`x${i}`, 'v'], [`x${i}`, ''], [`x${i}`, `w${i % 3}`]);
    }
  }
  for (let i = items.length - 1; i > 0; i--) {
    const j = rInt(i + 1);
    [items[i], items[j]] = [items[j], items[i]];
  }
  const numToAttrib = {};
  let n = 0;
  for (const a of items) {
    if (chance(0.05)) n++; // a hole
    numToAttrib[String(n++)] = [a[0], a[1]];
  }
  return {numToAttrib, nextNum: n + (chance(0.1) ? 1 : 0)};
};

const poolByKey = (pool) => {
  const m = new Map();
  for (const [num, [k, v]] of Object.entries(pool.numToAttrib)) {
    if (!m.has(k)) m.set(k, []);
    m.get(k).push([Number(num), v]);
  }
  return m;
};

// canonical attribute string: one per key, sorted by key
let shuffleAttribs = true;
const randomAttribs = (byKey, allowEmpty, p = 0.5) => {
  const out = [];
  if (manyKeys) p = 1.4;
  for (const [k, vals] of byKey) {
    if (!chance(p / 2)) continue;
    const choices = vals.filter(([, v]) => allowEmpty || v !== '');
    if (!choices.length) continue;
    out.push([k, pick(choices)[0]]);
  }
  out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  // Etherpad 2.x and 1.8.14 number the attributes that inverse() adds to
  // the pool in a different order when an op's attributes are unsorted;
  // this follows 2.x, so inverse requests use sorted attributes only.
  if (shuffleAttribs && out.length > 1 && chance(0.05)) out.reverse();
  return out.map(([, n]) => `*${n.toString(36)}`).join('');
};

const cps = (s) => Array.from(s);

const randomAtext = (byKey, maxLen) => {
  const text = `${randomText(maxLen)}\n`;
  const c = cps(text);
  const assem = Changeset.smartOpAssembler();
  let i = 0;
  while (i < c.length) {
    const n = 1 + rInt(Math.min(c.length - i, 8));
    assem.appendOpWithText('+', c.slice(i, i + n).join(''),
        chance(0.7) ? randomAttribs(byKey, false) : '');
    i += n;
  }
  return {text, attribs: assem.toString()};
};

// a canonical changeset that applies to text
const randomCs = (text, byKey) => {
  const c = cps(text);
  const assem = Changeset.smartOpAssembler();
  let i = 0;
  let bank = '';
  let delta = 0;
  for (;;) {
    const r = rnd();
    if (r < 0.12 || (i >= c.length && r < 0.6)) break;
    if (r < 0.4 || i >= c.length) {
      const s = randomText(5, 1);
      assem.appendOpWithText('+', s,
          chance(0.8) ? randomAttribs(byKey, false) : '');
      bank += s;
      delta += s.length;
    } else {
      const n = 1 + rInt(Math.min(c.length - i, 7));
      const seg = c.slice(i, i + n).join('');
      i += n;
      if (r < 0.65) {
        assem.appendOpWithText('-', seg, '');
        delta -= seg.length;
      } else {
        assem.appendOpWithText('=', seg,
            chance(0.35) ? randomAttribs(byKey, true) : '');
      }
    }
  }
  assem.endDocument();
  return Changeset.pack(text.length, text.length + delta, assem.toString(),
      bank);
};

// a unit offset at a code point boundary, 0 <= off < text.length
const randomOffset = (text) => {
  const c = cps(text);
  const k = rInt(c.length);
  return c.slice(0, k).join('').length;
};

const randomSpan = (text, start) => {
  const c = cps(text.slice(start));
  return c.slice(0, rInt(Math.min(c.length, 6) + 1)).join('').length;
};

const tieSplice = (text, at, byKey, pool) => {
  let ins = chance(0.4) ? `\n${randomText(3)}` : randomText(4, 1);
  if (chance(0.2)) ins += '\n';
  let attribs = randomAttribs(byKey, false);
  const first = Object.entries(pool.numToAttrib)
      .find(([, [k, v]]) => k === 'insertorder' && v === 'first');
  if (first && chance(0.4) && !attribs.includes(`*${Number(first[0])
      .toString(36)}`)) {
    attribs += `*${Number(first[0]).toString(36)}`;
  }
  const ndel = chance(0.3) ? randomSpan(text, at) : 0;
  return Changeset.makeSplice(text, at, ndel, ins, attribs);
};

// checkRep with Etherpad 2.x strictness: 1.8.14's checkRep plus the one
// rule 2.x added that 1.8.14's canonical-form comparison does not imply
// (an insert op's |L must equal the newlines of its chars, and a
// multi-line insert must end with a newline).  Other 2.x errors (invalid
// characters, short or excess charBank) fail 1.8.14's comparison too.
const checkRep2x = (cs) => {
  try {
    Changeset.checkRep(cs);
    const u = Changeset.unpack(cs);
    const it = Changeset.opIterator(u.ops);
    let bank = u.charBank;
    while (it.hasNext()) {
      const o = it.next();
      if (o.opcode !== '+') continue;
      const chars = bank.slice(0, o.chars);
      bank = bank.slice(o.chars);
      const nl = (chars.match(/\n/g) || []).length;
      if (nl !== o.lines) throw new Error('newline count in insert op');
      if (o.lines && !chars.endsWith('\n')) throw new Error('no final \\n');
    }
    return {ok: cs};
  } catch (e) {
    return {err: e.message};
  }
};

const MUT = ['0', '1', '2', 'a', 'z', '+', '-', '=', '*', '|', '$', '>', '<',
  '\n', 'Z', ':', '\u{1F600}'];

// one to three code point edits of a string
const mutate = (str) => {
  const c = cps(str);
  const k = 1 + rInt(3);
  for (let i = 0; i < k; i++) {
    const at = rInt(c.length + 1);
    const r = rnd();
    if (r < 0.4 && at < c.length) c[at] = pick(MUT);
    else if (r < 0.7) c.splice(at, 0, pick(MUT));
    else c.splice(at, 1);
  }
  return c.join('');
};

// a mutation of cs that passes checkRep (2.x), or cs itself
const mutValid = (cs) => {
  for (let i = 0; i < 30; i++) {
    const m = mutate(cs);
    if (checkRep2x(m).ok !== undefined) return m;
  }
  return cs;
};

// applyToText and applyToAText are the same in 1.8.14 and 2.x, also on
// changesets that pass checkRep but do not fit the text (compose and
// follow are not: 2.x added assertions), so they are compared on those too
const KINDS = ['checkRep', 'checkRepMutated', 'applyMutated', 'unpack', 'pack', 'applyToText', 'applyToAText',
  'compose', 'follow', 'followTie', 'moveOpsToNewPool', 'prepareForWire',
  'makeSplice', 'inverse', 'isIdentity', 'makeAText'];

const makeRequest = (kind) => {
  shuffleAttribs = kind !== 'inverse';
  const pool = randomPool();
  const byKey = poolByKey(pool);
  const small = chance(0.4);
  const atext = randomAtext(byKey, small ? 4 : chance(0.15) ? 400 : 40);
  const text = atext.text;
  switch (kind) {
    case 'checkRep':
      return {op: 'checkRep', cs: randomCs(text, byKey)};
    case 'checkRepMutated':
      return {op: 'checkRep', cs: mutate(randomCs(text, byKey))};
    case 'applyMutated':
      return chance(0.5)
        ? {op: 'applyToText', cs: mutValid(randomCs(text, byKey)), text}
        : {op: 'applyToAText', cs: mutValid(randomCs(text, byKey)), atext,
          pool};
    case 'unpack':
      return {op: 'unpack', cs: randomCs(text, byKey)};
    case 'pack': {
      const u = Changeset.unpack(randomCs(text, byKey));
      return {op: 'pack', oldLen: u.oldLen, newLen: u.newLen + rInt(3),
        ops: u.ops, bank: u.charBank};
    }
    case 'applyToText':
      return {op: 'applyToText', cs: randomCs(text, byKey), text};
    case 'applyToAText':
      return {op: 'applyToAText', cs: randomCs(text, byKey), atext, pool};
    case 'compose': {
      const cs1 = randomCs(text, byKey);
      const cs2 = randomCs(Changeset.applyToText(cs1, text), byKey);
      return {op: 'compose', cs1, cs2, pool};
    }
    case 'follow':
      return {op: 'follow', cs1: randomCs(text, byKey),
        cs2: randomCs(text, byKey), reverse: chance(0.5), pool};
    case 'followTie': {
      const at = randomOffset(text);
      return {op: 'follow', cs1: tieSplice(text, at, byKey, pool),
        cs2: tieSplice(text, at, byKey, pool), reverse: chance(0.5), pool};
    }
    case 'moveOpsToNewPool': {
      const cs = chance(0.2) ? atext.attribs : randomCs(text, byKey);
      return {op: 'moveOpsToNewPool', cs, from: pool,
        to: chance(0.5) ? randomPool() : undefined};
    }
    case 'prepareForWire':
      return {op: 'prepareForWire', cs: randomCs(text, byKey), pool};
    case 'makeSplice': {
      const start = randomOffset(text);
      const req = {op: 'makeSplice', text, start,
        ndel: randomSpan(text, start), ins: randomText(6)};
      if (chance(0.5)) req.attribs = randomAttribs(byKey, false);
      return req;
    }
    case 'inverse':
      return {op: 'inverse', cs: randomCs(text, byKey), atext, pool};
    case 'isIdentity':
      return chance(0.5)
        ? {op: 'isIdentity', cs: chance(0.3) ? Changeset.identity(
            text.length) : randomCs(text, byKey)}
        : {op: 'identity', n: rInt(5000)};
    case 'makeAText':
      return chance(0.5) ? {op: 'makeAText', text}
        : {op: 'makeAText', text, attribs: atext.attribs};
  }
  throw new Error(kind);
};

const canon = (v) => {
  if (Array.isArray(v)) return `[${v.map(canon).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) =>
      `${JSON.stringify(k)}:${canon(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
};

const same = (a, b) => {
  if (a.err !== undefined && b.err !== undefined) return true;
  return canon(a) === canon(b);
};

console.log(`# seed ${seed}, ${ncases} cases (replay: ` +
    `node t/easysync/diff.js --seed ${seed} --cases ${ncases})`);

const reqs = [];
const kinds = [];
for (let i = 0; i < ncases; i++) {
  const kind = KINDS[i % KINDS.length];
  kinds.push(kind);
  reqs.push(makeRequest(kind));
}

const lines = reqs.map((r) => JSON.stringify(r));

// malformed requests: only the reply's shape is checked (one JSON object
// with "ok" or "err" per line, no crash)
const JUNK = [null, 1, -1, 1.5, 'x', [], {}, true, 2 ** 60, '', -(2 ** 60),
  'Z:', '\u{1F600}'];
const bad = ['', '{}', '[]', 'null', '"x"', '{"op":"follow"}', '{"op":1}',
  '{"op":"pack","oldLen":-1,"newLen":2,"ops":"","bank":""}',
  '{"op":"makeSplice","text":"ab\\n","start":1e300,"ndel":-5,"ins":"x"}',
  `{"op":"checkRep","cs":"Z:${'z'.repeat(40)}>0$"}`,
  `{"op":"applyToText","cs":"Z:1>0$","text":"${'a'.repeat(1 << 20)}"}`,
  '{"op":"applyToText","cs":"Z:2>0$","text":"\\ud83d\\ude00"}',
  '{"op":"applyToText","cs":"Z:1>0$","text":"\\ud83d"}',
  '{"op":"compose","cs1":"Z:1>0$","cs2":"Z:1>0$","pool":{"numToAttrib":' +
      '{"01":["a","b"]},"nextNum":5}}',
  '{"op":"follow","cs1":"Z:1>0$","cs2":"Z:1>0$","pool":{"numToAttrib":' +
      '{"7":["a","b"]},"nextNum":5}}',
  '{"op":"follow","cs1":"Z:1>0*0=1$","cs2":"Z:1>0*0=1$","pool":' +
      '{"numToAttrib":{"0":["a",1]},"nextNum":1}}',
  '\u0000', '{"op":"checkRep","cs":"Z:1>0\\u0000$"}'];
for (let i = 0; i < Math.max(500, ncases / 16); i++) {
  const r = JSON.parse(lines[rInt(lines.length)]);
  if (chance(0.5)) {
    const keys = Object.keys(r).filter((k) => k !== 'op');
    if (keys.length) r[pick(keys)] = pick(JUNK);
    bad.push(JSON.stringify(r));
  } else {
    bad.push(mutate(JSON.stringify(r)).replace(/\n/g, ' '));
  }
}
const allLines = lines.concat(bad);
// --dump FILE: write the requests (one per line) and stop, e.g. to run
// them through another oracle
if (arg('--dump')) {
  require('fs').writeFileSync(arg('--dump'), `${allLines.join('\n')}\n`);
  process.exit(0);
}

const child = spawn(bin, ['--jsonl'], {stdio: ['pipe', 'pipe', 'inherit']});
const chunks = [];
child.stdout.on('data', (d) => chunks.push(d));
child.on('error', (e) => {
  console.log(`not ok 1 - cannot run ${bin}: ${e.message}`);
  console.log('1..1');
  process.exit(1);
});
child.stdin.on('error', () => {});
child.stdin.end(`${allLines.join('\n')}\n`);

child.on('close', (code, signal) => {
  const out = Buffer.concat(chunks).toString('utf8').split('\n');
  out.pop();
  let n = 0;
  let failures = 0;
  const stats = {};
  const tap = (ok, name) => {
    n++;
    console.log(`${ok ? '' : 'not '}ok ${n} - ${name}`);
  };
  tap(code === 0 && signal == null,
      `pad-changeset exits cleanly (code ${code}, signal ${signal})`);
  tap(out.length === allLines.length,
      `one reply per request (${out.length}/${allLines.length})`);
  let shaped = 0;
  for (let i = reqs.length; i < out.length; i++) {
    try {
      const r = JSON.parse(out[i]);
      const keys = Object.keys(r);
      if ((typeof r.err === 'string' && keys.length === 1) ||
          r.ok !== undefined) {
        shaped++;
      } else {
        console.log(`# bad reply to ${allLines[i].slice(0, 200)}: ` +
            `${out[i].slice(0, 200)}`);
      }
    } catch (e) {
      console.log(`# unparsable reply to ${allLines[i].slice(0, 200)}`);
    }
  }
  tap(shaped === bad.length,
      `${bad.length} malformed requests: ${shaped} well-formed replies`);
  for (let i = 0; i < reqs.length; i++) {
    const kind = kinds[i];
    const s = stats[kind] || (stats[kind] = {n: 0, bad: 0, err: 0});
    s.n++;
    const want = kind === 'checkRepMutated' ? checkRep2x(reqs[i].cs)
      : handle(JSON.parse(lines[i]));
    let got;
    try {
      got = JSON.parse(out[i]);
    } catch (e) {
      got = {parse_error: String(out[i])};
    }
    if (want.err !== undefined) s.err++;
    // documented: the C engine refuses to split a surrogate pair
    const surrogate = /Mutated$/.test(kind) && want.ok !== undefined &&
        /surrogate pair/.test(got.err || '');
    if (!surrogate && !same(want, got)) {
      s.bad++;
      failures++;
      if (failures <= 5) {
        console.log(`# MISMATCH (${kind}), request:\n# ${lines[i]}`);
        console.log(`#   Etherpad: ${JSON.stringify(want)}`);
        console.log(`#   C:        ${JSON.stringify(got)}`);
      }
    }
  }
  for (const kind of KINDS) {
    const s = stats[kind] || {n: 0, bad: 0, err: 0};
    tap(s.n > 0 && s.bad === 0,
        `${kind}: ${s.n - s.bad}/${s.n} equal (${s.err} errors on both)`);
    if (kind === 'applyMutated') {
      tap(s.err > s.n / 20 && s.err < s.n,
          `${kind}: ${s.err} of ${s.n} do not fit their text`);
    } else if (kind === 'checkRepMutated') {
      tap(s.err > s.n / 4 && s.err < s.n,
          `${kind}: ${s.err} of ${s.n} mutated changesets are invalid`);
    } else {
      tap(s.err * 20 <= s.n,
          `${kind}: the generator makes valid input (${s.err} errors)`);
    }
  }
  tap(failures === 0, `all ${reqs.length} cases equal (seed ${seed})`);
  console.log(`1..${n}`);
  process.exit(failures ? 1 : 0);
});
