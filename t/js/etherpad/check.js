'use strict';
// The checks a stock Etherpad 2.x makes when it imports a .etherpad file
// (ImportEtherpad.setPadRaw, then Pad.check()), with Etherpad's own
// Changeset.js / AttributePool.js (the Easysync oracle, build/oracle):
//
//   node t/js/etherpad/check.js file.etherpad
//
// prints one JSON line {ok, errors, padId, head, chatHead, text, authors,
// revs, chats, keyRevs}.

const fs = require('fs');
const path = require('path');

const dir = process.env.EASYSYNC_ORACLE_DIR ||
    path.join(__dirname, '..', '..', '..', 'build', 'oracle', 'package',
        'static', 'js');
const Changeset = require(path.join(dir, 'Changeset.js'));
const AttributePool = require(path.join(dir, 'AttributePool.js'));

const errors = [];
const fail = (m) => { if (errors.length < 20) errors.push(m); };
const out = {};

const records = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
let padId = null;
const sameId = (id) => {
  if (padId == null) padId = id;
  if (padId !== id) fail(`unexpected pad ID in record: ${id}`);
};

let pad = null;
const revs = new Map();
const chats = new Map();
const authorsRec = new Set();
for (const [key, value] of Object.entries(records)) {
  if (!value) continue;
  const parts = key.split(':');
  if (parts[0] === 'globalAuthor' && parts.length === 2) {
    if (typeof value.padIDs !== 'string') {
      fail('globalAuthor padIDs subkey is not a string');
    }
    sameId(value.padIDs);
    authorsRec.add(parts[1]);
    continue;
  }
  if (parts[0] !== 'pad') { fail(`ignored record ${key}`); continue; }
  sameId(parts[1]);
  if (parts.length === 2) pad = value;
  else if (parts[2] === 'revs' && parts.length === 4) revs.set(+parts[3], value);
  else if (parts[2] === 'chat' && parts.length === 4) chats.set(+parts[3], value);
  else fail(`unknown pad record ${key}`);
}

const check = () => {
  if (pad == null) return fail('no pad record');
  const pool = new AttributePool().fromJsonable(pad.pool);
  const head = pad.head;
  if (!Number.isInteger(head) || head < -1) fail('bad head');
  if (!Array.isArray(pad.savedRevisions)) fail('savedRevisions');
  let prev = null;
  const ids = new Set();
  for (const s of pad.savedRevisions || []) {
    if (!Number.isInteger(s.revNum) || s.revNum < 0 || s.revNum > head ||
        (prev != null && s.revNum <= prev)) fail(`saved revision ${s.revNum}`);
    if (typeof s.id !== 'string' || ids.has(s.id)) fail('saved revision id');
    ids.add(s.id);
    prev = s.revNum;
  }
  const authorIds = new Set();
  pool.eachAttrib((k, v) => { if (k === 'author' && v) authorIds.add(v); });
  const poolAuthors = new Set(authorIds);
  const canon = (attribs) => {
    const m = new Map();
    for (const [, n] of attribs.matchAll(/\*([0-9a-z]+)/g)) {
      const a = pool.getAttrib(parseInt(n, 36));
      if (!a) return null;
      m.set(a[0], a[1]);
    }
    const a = [...m].sort(([x], [y]) => (x > y ? 1 : 0) - (x < y ? 1 : 0));
    return a.map((kv) => `*${pool.putAttrib(kv).toString(36)}`).join('');
  };
  let atext = Changeset.makeAText('\n');
  let keyRevs = 0;
  for (let r = 0; r <= head; r++) {
    const rev = revs.get(r);
    if (!rev) { fail(`revision ${r} missing`); return; }
    const {changeset, meta} = rev;
    try {
      if (typeof meta.author !== 'string') fail(`rev ${r}: author`);
      if (meta.author) authorIds.add(meta.author);
      if (typeof meta.timestamp !== 'number' || !(meta.timestamp > 0)) {
        fail(`rev ${r}: timestamp`);
      }
      Changeset.checkRep(changeset);
      const u = Changeset.unpack(changeset);
      let text = atext.text;
      const it = Changeset.opIterator(u.ops);
      while (it.hasNext()) {
        const op = it.next();
        if (op.opcode === '=' || op.opcode === '-') {
          if (text.length < op.chars) fail(`rev ${r}: op past the end`);
          const consumed = text.slice(0, op.chars);
          const nl = (consumed.match(/\n/g) || []).length;
          if (nl !== op.lines) fail(`rev ${r}: op lines`);
          if (op.lines > 0 && !consumed.endsWith('\n')) fail(`rev ${r}: nl`);
          text = text.slice(op.chars);
        }
        if (canon(op.attribs) !== op.attribs) {
          fail(`rev ${r}: attribs ${op.attribs} not canonical`);
        }
      }
      atext = Changeset.applyToAText(changeset, atext, pool);
      if (r % 100 === 0) {
        keyRevs++;
        if (!meta.atext || meta.atext.text !== atext.text ||
            meta.atext.attribs !== atext.attribs) fail(`rev ${r}: key atext`);
        if (!meta.pool || !meta.pool.numToAttrib) fail(`rev ${r}: key pool`);
      } else if (meta.atext || meta.pool) fail(`rev ${r}: atext off key`);
    } catch (e) {
      fail(`rev ${r}: ${e.message}`);
      return;
    }
  }
  if (pad.atext.text !== atext.text || pad.atext.attribs !== atext.attribs) {
    fail('pad atext is not the revisions\' result');
  }
  if ([...poolAuthors].sort().join() !== [...authorIds].sort().join()) {
    fail('authors of the revisions not in the pool');
  }
  // ExportEtherpad leaves out an author without a record: not an error
  out.noRecord = [...poolAuthors].filter((a) => !authorsRec.has(a));
  if (!Number.isInteger(pad.chatHead) || pad.chatHead < -1) fail('chatHead');
  for (let c = 0; c <= pad.chatHead; c++) {
    const m = chats.get(c);
    if (!m || typeof m.text !== 'string' || typeof m.time !== 'number') {
      fail(`chat ${c}`);
    }
  }
  if (revs.size !== head + 1) fail('revisions beyond the head');
  if (chats.size !== pad.chatHead + 1) fail('chat beyond the chat head');
  Object.assign(out, {head, chatHead: pad.chatHead, text: atext.text,
    attribs: atext.attribs, authors: [...poolAuthors].sort(), keyRevs,
    revs: revs.size, chats: chats.size,
    publicStatus: pad.publicStatus, saved: (pad.savedRevisions || []).length});
};
check();
console.log(JSON.stringify({ok: errors.length === 0, errors, padId, ...out}));
