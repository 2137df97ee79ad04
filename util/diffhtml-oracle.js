'use strict';
// Test oracle of createDiffHTML (src/html/ngx_pad_html_diff.c): runs
// Etherpad's own padDiff.js and ExportHtml.js (ep_etherpad-lite@1.8.14,
// fetched into build/oracle/ by util/deps.d/easysync-oracle.sh) on pads
// it edits with Etherpad's Changeset.js, and prints one JSON vector a line:
//
//   {"name", "start": {text, attribs}, "pool": <pool at the head, JSON>,
//    "revs": [{cs, author}], "colors": {author: colour},
//    "atext": <the diff AText>, "authors": [...], "html": <its HTML>,
//    "pool_after": <the pool after the diff>}
//
//   node util/diffhtml-oracle.js [--seed N] [--cases N] > vectors.jsonl
//
// Nothing of Etherpad is changed; what its server would give the two
// modules is stubbed: the plugin hooks (none installed: no
// exportHtmlAdditionalTags, no getLineHTMLForExport), the database
// (PadManager, eejs: unused by getHTMLFromAtext), underscore's find, and
// the npm package "security" (escapeHTML and escapeHTMLAttribute as that
// package and Etherpad 2.x's security.ts write them).  The pad object is a
// fake with the methods PadDiff calls.  padDiff.js of 1.8.14 differs from
// 2.x's padDiff.ts only where noted in t/unit/html_diff_test.c; its
// getAuthors() throws (a global "self"), so the authors are read from
// padDiff._authors, which is what 2.x's getAuthors() returns.

const path = require('path');
const Module = require('module');

const dir = process.env.ORACLE_DIR ||
    path.join(__dirname, '..', 'build', 'oracle', 'package');

const escapeHTML = (s) => String(s).replace(/[&<>"'/]/g, (c) => ({
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\'': '&#x27;',
  '/': '&#x2F;',
})[c]);

const escapeHTMLAttribute = (s) => String(s).replace(/[^0-9A-Za-z]/g,
    (c) => {
      const n = c.charCodeAt(0);
      if (n > 255) return c;
      return '&<>"\'/'.includes(c) ? escapeHTML(c)
        : `&#x${n.toString(16).padStart(2, '0')};`;
    });

const stubs = {
  'security': {escapeHTML, escapeHTMLAttribute},
  'underscore': {find: (a, f) => a.find(f)},
  '../db/PadManager': {},
  '../eejs': {},
  '../../static/js/pluginfw/hooks': {
    aCallAll: async () => [],
    callAll: () => [],
  },
};

const load = Module._load;
Module._load = function (request, parent, isMain) {
  if (Object.prototype.hasOwnProperty.call(stubs, request)) {
    return stubs[request];
  }
  return load.call(this, request, parent, isMain);
};

const Changeset = require(path.join(dir, 'static/js/Changeset.js'));
const AttributePool = require(path.join(dir, 'static/js/AttributePool.js'));
const PadDiff = require(path.join(dir, 'node/utils/padDiff.js'));

// 1.8.14's _createDeletionChangeset marks text whose attributes changed
// with the changer's author; 2.x's (padDiff.ts) with author "" and the
// old values of the attributes changed (undoBackToAttribs).  So this one
// method is a line-by-line port of 2.x's, on 1.8.14's Changeset.js, used
// only here; AttributeMap is reduced to what it uses.
const deserializeOps = function* (ops) {
  const it = Changeset.opIterator(ops);
  while (it.hasNext()) yield Changeset.cloneOp(it.next());
};
const mapFromString = (s, pool) => {
  const m = new Map();
  for (const [, n] of (s || '').matchAll(/\*([0-9a-z]+)/g)) {
    const a = pool.getAttrib(Changeset.parseNum(n));
    m.set(a[0], a[1]);
  }
  return m;
};
const mapToString = (m, pool) => [...m].sort(([a], [b]) =>
  (a > b ? 1 : 0) - (a < b ? 1 : 0)).map(([k, v]) =>
  `*${Changeset.numToString(pool.putAttrib([k, v]))}`).join('');

PadDiff.prototype._createDeletionChangeset = function (cs, startAText, apool) {
  const lines = Changeset.splitTextLines(startAText.text);
  const alines = Changeset.splitAttributionLines(startAText.attribs,
      startAText.text);
  let curLine = 0;
  let curChar = 0;
  let curLineOps = null;
  let curLineOpsNext = null;
  let curLineOpsLine;
  let curLineNextOp = Changeset.newOp('+');
  const unpacked = Changeset.unpack(cs);
  const builder = Changeset.builder(unpacked.newLen);

  const consumeAttribRuns = (numChars, func) => {
    if (!curLineOps || curLineOpsLine !== curLine) {
      curLineOps = deserializeOps(alines[curLine]);
      curLineOpsNext = curLineOps.next();
      curLineOpsLine = curLine;
      let indexIntoLine = 0;
      while (!curLineOpsNext.done) {
        curLineNextOp = curLineOpsNext.value;
        curLineOpsNext = curLineOps.next();
        if (indexIntoLine + curLineNextOp.chars >= curChar) {
          curLineNextOp.chars -= (curChar - indexIntoLine);
          break;
        }
        indexIntoLine += curLineNextOp.chars;
      }
    }
    while (numChars > 0) {
      if (!curLineNextOp.chars && curLineOpsNext.done) {
        curLine++;
        curChar = 0;
        curLineOpsLine = curLine;
        curLineNextOp.chars = 0;
        curLineOps = deserializeOps(alines[curLine]);
        curLineOpsNext = curLineOps.next();
      }
      if (!curLineNextOp.chars) {
        if (curLineOpsNext.done) {
          curLineNextOp = Changeset.newOp();
        } else {
          curLineNextOp = curLineOpsNext.value;
          curLineOpsNext = curLineOps.next();
        }
      }
      const charsToUse = Math.min(numChars, curLineNextOp.chars);
      func(charsToUse, curLineNextOp.attribs,
          charsToUse === curLineNextOp.chars && curLineNextOp.lines > 0);
      numChars -= charsToUse;
      curLineNextOp.chars -= charsToUse;
      curChar += charsToUse;
    }
    if (!curLineNextOp.chars && curLineOpsNext.done) {
      curLine++;
      curChar = 0;
    }
  };
  const skip = (N, L) => {
    if (L) {
      curLine += L;
      curChar = 0;
    } else if (curLineOps && curLineOpsLine === curLine) {
      consumeAttribRuns(N, () => {});
    } else {
      curChar += N;
    }
  };
  const nextText = (numChars) => {
    let len = 0;
    let s = '';
    const firstString = lines[curLine].substring(curChar);
    len += firstString.length;
    s += firstString;
    let lineNum = curLine + 1;
    while (len < numChars) {
      const nextString = lines[lineNum];
      len += nextString.length;
      s += nextString;
      lineNum++;
    }
    return s.substring(0, numChars);
  };

  for (const csOp of deserializeOps(unpacked.ops)) {
    if (csOp.opcode === '=') {
      const textBank = nextText(csOp.chars);
      if (csOp.attribs && textBank !== '*') {
        const attribs = mapFromString(csOp.attribs, apool);
        const undoBackToAttribs = (oldAttribsStr) => {
          const oldAttribs = mapFromString(oldAttribsStr, apool);
          const backAttribs = new Map([['author', ''], ['removed', 'true']]);
          for (const [key, value] of attribs) {
            const oldValue = oldAttribs.get(key);
            if (oldValue !== value) backAttribs.set(key, oldValue);
          }
          return mapToString(backAttribs, apool);
        };
        let textLeftToProcess = textBank;
        while (textLeftToProcess.length > 0) {
          let lengthToProcess = textLeftToProcess.indexOf('\n');
          let lineBreak = false;
          switch (lengthToProcess) {
            case -1:
              lengthToProcess = textLeftToProcess.length;
              break;
            case 0:
              lineBreak = true;
              lengthToProcess = 1;
              break;
          }
          const processText = textLeftToProcess.substr(0, lengthToProcess);
          textLeftToProcess = textLeftToProcess.substr(lengthToProcess);
          if (lineBreak) {
            builder.keep(1, 1);
            consumeAttribRuns(1, () => {});
          } else {
            let textBankIndex = 0;
            consumeAttribRuns(lengthToProcess, (len, attribs) => {
              const oldAttribs = undoBackToAttribs(attribs);
              builder.insert(processText.substr(textBankIndex, len),
                  oldAttribs);
              textBankIndex += len;
            });
            builder.keep(lengthToProcess, 0);
          }
        }
      } else {
        skip(csOp.chars, csOp.lines);
        builder.keep(csOp.chars, csOp.lines);
      }
    } else if (csOp.opcode === '+') {
      builder.keep(csOp.chars, csOp.lines);
    } else if (csOp.opcode === '-') {
      const textBank = nextText(csOp.chars);
      let textBankIndex = 0;
      consumeAttribRuns(csOp.chars, (len, attribs) => {
        builder.insert(textBank.substr(textBankIndex, len),
            attribs + csOp.attribs);
        textBankIndex += len;
      });
    }
  }
  return Changeset.checkRep(builder.toString());
};

// 1.8.14's composeAttributes keeps a key twice when an attribute string
// has it twice (padDiff appends the author to attribute changes that
// carry one already); 2.x's goes through an AttributeMap (the later value
// wins, sorted by key).  So the oracle's Changeset uses 2.x's, ported:
Changeset.composeAttributes = (att1, att2, resultIsMutation, pool) => {
  if ((!att1) && resultIsMutation) return att2;
  if (!att2) return att1;
  const m = mapFromString(att1, pool);
  for (const [k, v] of mapFromString(att2, pool)) {
    if (!v && !resultIsMutation) m.delete(k);
    else m.set(k, v);
  }
  return mapToString(m, pool);
};

const args = process.argv.slice(2);
const arg = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};

const seed = Number(arg('--seed', '1'));
const ncases = Number(arg('--cases', '200'));

// mulberry32
let state = seed >>> 0;
const rnd = () => {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const int = (n) => Math.floor(rnd() * n);
const pick = (a) => a[int(a.length)];

const AUTHORS = ['a.aaaaaaaaaaaaaaaa', 'a.bbbbbbbbbbbbbbbb', 'a.cccccccccccccccc'];
const PIECES = ['a', 'b', 'xy', ' ', '  ', '\n', 'é', '😀', '<&>', '\t',
  'word', '*', 'http://e.org/x '];

const randText = () => {
  let s = '';
  const n = 1 + int(4);
  for (let i = 0; i < n; i++) s += pick(PIECES);
  return s;
};

// a random edit of atext by author
const randEdit = (atext, pool, author) => {
  const text = atext.text;
  const len = text.length;
  const kind = int(10);
  const cut = (i) => {
    // never between the halves of a surrogate pair
    if (i > 0 && i < len && /[\udc00-\udfff]/.test(text[i])) return i - 1;
    return i;
  };

  if (kind < 4) {
    const at = cut(int(len));
    const attribs = [['author', author]];
    if (rnd() < 0.3) attribs.push(['bold', 'true']);
    if (rnd() < 0.2) attribs.push(['italic', 'true']);
    return Changeset.makeSplice(text, at, 0, randText(), attribs, pool);
  }

  if (kind < 7) {
    const at = cut(int(len - 1));
    const n = cut(Math.min(len - 1, at + 1 + int(6))) - at;
    if (n <= 0) return Changeset.identity(len);
    return Changeset.makeSplice(text, at, n, '', [], pool);
  }

  if (kind < 9) {
    // an attribute change over a range, by the author
    const at = cut(int(len - 1));
    const n = cut(Math.min(len - 1, at + 1 + int(8))) - at;
    if (n <= 0) return Changeset.identity(len);
    const b = Changeset.builder(len);
    b.keepText(text.substring(0, at));
    const attr = pick([[['bold', 'true']], [['bold', '']], [['italic', 'true']],
      [['underline', 'true']], [['bold', 'true'], ['author', author]]]);
    b.keepText(text.substring(at, at + n), attr, pool);
    return b.toString();
  }

  // clear authorship, as the pad's "clear authorship" button (all but the
  // final newline) or over the whole text
  const b = Changeset.builder(len);
  b.keepText(rnd() < 0.5 ? text.slice(0, -1) : text, [['author', '']], pool);
  return b.toString();
};

const fakePad = (pool, atexts, revs, colors) => ({
  id: 'p',
  pool,
  atext: atexts[atexts.length - 1],
  head: revs.length - 1,
  apool: () => pool,
  getHeadRevisionNumber: () => revs.length - 1,
  getValidRevisionRange: (s, e) => ({startRev: s, endRev: e}),
  getInternalRevisionAText: async (r) => atexts[r],
  getRevision: async (r) => ({
    changeset: revs[r].cs,
    meta: {author: revs[r].author},
  }),
  getAllAuthorColors: async () => {
    const t = {};
    pool.eachAttrib((k, v) => {
      if (k === 'author' && v !== '') t[v] = colors[v];
    });
    return t;
  },
});

const runCase = async (name, pool, atexts, revs, start, end, colors) => {
  const snap = () => JSON.parse(JSON.stringify(pool.toJsonable()));
  const poolJson = snap();
  const pad = fakePad(pool, atexts, revs, colors);
  const diff = new PadDiff(pad, start, end);
  let atext;
  const orig = diff._createDiffAtext.bind(diff);
  diff._createDiffAtext = async () => (atext = await orig());
  const html = await diff.getHtml();
  return {
    name,
    start: atexts[start],
    pool: poolJson,
    revs: revs.slice(start + 1, end + 1),
    colors,
    atext,
    authors: diff._authors,
    html,
    pool_after: snap(),
  };
};

// a pad of random revisions; the diff of a random range of it
const randCase = async (i) => {
  const pool = new AttributePool();
  let atext = Changeset.makeAText('\n');
  const atexts = [];
  const revs = [];
  const n = 1 + int(12);

  for (let r = 0; r <= n; r++) {
    const author = rnd() < 0.1 ? (rnd() < 0.5 ? '' : undefined)
      : pick(AUTHORS);
    const cs = r === 0
      ? Changeset.makeSplice('\n', 0, 0, randText() + 'x\n',
          [['author', author || '']], pool)
      : randEdit(atext, pool, author || '');
    Changeset.checkRep(cs);
    atext = Changeset.applyToAText(cs, atext, pool);
    atexts.push(atext);
    revs.push({cs, author});
  }

  const start = int(n + 1);
  const end = start + int(n + 1 - start);
  const colors = {};
  AUTHORS.forEach((a, k) => {
    if (k < 2) colors[a] = ['#ffc7c7', '#fff1c7'][k];
  });
  return runCase(`random ${seed}/${i}: ${start}..${end}`, pool, atexts,
      revs, start, end, colors);
};

// a list line, a heading-free bold run, a line joined by a deletion
const handCases = async () => {
  const out = [];
  const pool = new AttributePool();
  const A = AUTHORS[0];
  const B = AUTHORS[1];
  const steps = [];
  let atext = Changeset.makeAText('\n');
  const push = (cs, author) => {
    Changeset.checkRep(cs);
    atext = Changeset.applyToAText(cs, atext, pool);
    steps.push({atext, rev: {cs, author}});
  };
  push(Changeset.makeSplice('\n', 0, 0, 'Hello world\nsecond line\n',
      [['author', A]], pool), A);
  // a bullet list line: the line marker with its attributes
  push(Changeset.makeSplice(atext.text, 12, 0, '*',
      [['author', A], ['insertorder', 'first'], ['list', 'bullet1'],
        ['lmkr', '1'], ['start', '1']], pool), A);
  push(Changeset.makeSplice(atext.text, 6, 5, 'there', [['author', B]], pool),
      B);
  {
    const b = Changeset.builder(atext.text.length);
    b.keepText(atext.text.substring(0, 6));
    b.keepText(atext.text.substring(6, 11), [['bold', 'true']], pool);
    push(b.toString(), A);
  }
  push(Changeset.makeSplice(atext.text, 11, 1, '', [], pool), B);
  const atexts = steps.map((s) => s.atext);
  const revs = steps.map((s) => s.rev);
  const colors = {[A]: '#ffc7c7', [B]: '#c7ffd8'};
  for (const [s, e] of [[0, 4], [1, 3], [2, 4], [3, 4], [0, 0]]) {
    const p = new AttributePool().fromJsonable(
        JSON.parse(JSON.stringify(pool.toJsonable())));
    out.push(await runCase(`hand ${s}..${e}`, p, atexts, revs, s, e, colors));
  }
  return out;
};

// --pad FILE: {"pool", "revs": [{cs, author}] from revision 0, "start",
// "end", "colors"}: a pad as the module holds it, replayed from "\n";
// prints {html, authors} of Etherpad's PadDiff on it
const padCase = async (file) => {
  const p = JSON.parse(require('fs').readFileSync(file, 'utf8'));
  const pool = new AttributePool().fromJsonable(p.pool);
  const atexts = [];
  let atext = Changeset.makeAText('\n');
  for (const r of p.revs) {
    atext = Changeset.applyToAText(r.cs, atext, pool);
    atexts.push(atext);
  }
  const v = await runCase('pad', pool, atexts, p.revs, p.start, p.end,
      p.colors);
  process.stdout.write(`${JSON.stringify({html: v.html,
    authors: v.authors})}\n`);
};

(async () => {
  if (arg('--pad')) return padCase(arg('--pad'));
  for (const v of await handCases()) process.stdout.write(`${JSON.stringify(v)}\n`);
  for (let i = 0; i < ncases; i++) {
    process.stdout.write(`${JSON.stringify(await randCase(i))}\n`);
  }
})().catch((e) => {
  console.error(e.stack || e);
  process.exit(1);
});
