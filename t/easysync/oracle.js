'use strict';
// Easysync oracle: Etherpad's own Changeset.js / AttributePool.js
// (ep_etherpad-lite@1.8.14, fetched by util/deps.d/easysync-oracle.sh)
// behind the same JSON request/reply shapes as `pad-changeset --jsonl`.
//
//   node t/easysync/oracle.js < requests.jsonl > replies.jsonl
//   require('./oracle').handle(request) -> reply object

const path = require('path');
const fs = require('fs');

const dir = process.env.EASYSYNC_ORACLE_DIR ||
    path.join(__dirname, '..', '..', 'build', 'oracle', 'package', 'static',
        'js');

if (!fs.existsSync(path.join(dir, 'Changeset.js'))) {
  throw new Error(`Easysync oracle missing in ${dir}: run ` +
      'util/deps.d/easysync-oracle.sh (or make deps)');
}

const Changeset = require(path.join(dir, 'Changeset.js'));
const AttributePool = require(path.join(dir, 'AttributePool.js'));

const poolFrom = (j) => {
  const p = new AttributePool();
  if (j == null) return p;
  return p.fromJsonable(JSON.parse(JSON.stringify(j)));
};

const poolOut = (p) => JSON.parse(JSON.stringify(p.toJsonable()));

const run = (req) => {
  switch (req.op) {
    case 'checkRep':
      return {ok: Changeset.checkRep(req.cs)};
    case 'unpack':
      return {ok: Changeset.unpack(req.cs)};
    case 'pack':
      return {ok: Changeset.pack(req.oldLen, req.newLen, req.ops, req.bank)};
    case 'applyToText':
      return {ok: Changeset.applyToText(req.cs, req.text)};
    case 'applyToAText': {
      const pool = poolFrom(req.pool);
      const at = Changeset.applyToAText(req.cs, req.atext, pool);
      return {ok: {text: at.text, attribs: at.attribs}, pool: poolOut(pool)};
    }
    case 'compose': {
      const pool = poolFrom(req.pool);
      return {ok: Changeset.compose(req.cs1, req.cs2, pool),
        pool: poolOut(pool)};
    }
    case 'follow': {
      const pool = poolFrom(req.pool);
      return {ok: Changeset.follow(req.cs1, req.cs2, !!req.reverse, pool),
        pool: poolOut(pool)};
    }
    case 'moveOpsToNewPool': {
      const from = poolFrom(req.from);
      const to = poolFrom(req.to);
      return {ok: Changeset.moveOpsToNewPool(req.cs, from, to),
        to: poolOut(to)};
    }
    case 'prepareForWire': {
      const r = Changeset.prepareForWire(req.cs, poolFrom(req.pool));
      return {ok: {translated: r.translated, pool: poolOut(r.pool)}};
    }
    case 'makeSplice':
      return {ok: Changeset.makeSplice(req.text, req.start, req.ndel,
          req.ins, req.attribs)};
    case 'inverse': {
      const pool = poolFrom(req.pool);
      const lines = Changeset.splitTextLines(req.atext.text);
      const alines = Changeset.splitAttributionLines(req.atext.attribs,
          req.atext.text);
      return {ok: Changeset.inverse(req.cs, lines, alines, pool),
        pool: poolOut(pool)};
    }
    case 'identity':
      return {ok: Changeset.identity(req.n)};
    case 'isIdentity':
      return {ok: Changeset.isIdentity(req.cs)};
    case 'makeAText': {
      const at = Changeset.makeAText(req.text, req.attribs);
      return {ok: {text: at.text, attribs: at.attribs}};
    }
    default:
      throw new Error('unknown op');
  }
};

const handle = (req) => {
  try {
    return run(req);
  } catch (e) {
    return {err: String(e && e.message || e)};
  }
};

module.exports = {handle, Changeset, AttributePool};

if (require.main === module) {
  const rl = require('readline').createInterface({input: process.stdin});
  rl.on('line', (line) => {
    let reply;
    try {
      reply = handle(JSON.parse(line));
    } catch (e) {
      reply = {err: `invalid JSON: ${e.message}`};
    }
    process.stdout.write(`${JSON.stringify(reply)}\n`);
  });
}
