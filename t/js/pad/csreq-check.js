// Timeslider check: CHANGESET_REQ with granularity 1, 10 and 100 from
// revision 0; applying the forward changesets to "\n" must give the pad's
// text (CLIENT_VARS), applying the backward ones in reverse must give
// back "\n" (and every intermediate text).  Prints one JSON line.
// Usage: node csreq-check.js '{"url":"http://127.0.0.1:P","pad":"x"}'
'use strict';

const { io } = require('socket.io-client');
const Changeset = require('etherpad-cli-client/lib/Changeset');

const opt = JSON.parse(process.argv[2] || '{}');
const result = { ok: true, checks: [], errors: [] };

function applyText(cs, text) {
  const r = Changeset.applyToText(cs, text);
  return Array.isArray(r) ? r[0] : r;
}

const socket = io(opt.url, { path: '/socket.io', transports: ['websocket'],
                             reconnection: false, query: { padId: opt.pad } });
let vars;
const pending = {};
let reqId = 1;

function request(start, granularity) {
  return new Promise((resolve) => {
    const id = reqId++;
    pending[id] = resolve;
    socket.emit('message', { component: 'pad', type: 'CHANGESET_REQ',
                             padId: opt.pad,
                             data: { start, granularity, requestID: id } });
  });
}

socket.on('message', async (m) => {
  if (m.type === 'CLIENT_VARS') {
    vars = m.data;
    await run();
    return;
  }
  if (m.type === 'CHANGESET_REQ') {
    const r = pending[m.data.requestID];
    delete pending[m.data.requestID];
    if (r) r(m.data);
  }
});

socket.on('connect', () => {
  socket.emit('message', { component: 'pad', type: 'CLIENT_READY',
                           padId: opt.pad, token: 't.csreqcsreqcsreqcsreq',
                           data: {} });
});

async function run() {
  const head = vars.collab_client_vars.rev;
  const final = vars.collab_client_vars.initialAttributedText.text;
  result.head = head;
  let texts1 = null;
  for (const g of [1, 10, 100]) {
    let text = '\n';
    const texts = [text];
    let start = 0;
    let n = 0;
    while (start <= head) {
      const d = await request(start, g);
      if (d.forwardsChangesets.length !== d.backwardsChangesets.length
          || d.timeDeltas.length !== d.forwardsChangesets.length) {
        result.errors.push(`g=${g}: array lengths differ`);
      }
      if (d.start !== start || d.granularity !== g) {
        result.errors.push(`g=${g}: start/granularity not echoed`);
      }
      for (let i = 0; i < d.forwardsChangesets.length; i++) {
        text = applyText(d.forwardsChangesets[i], text);
        texts.push(text);
        // the backward changeset undoes it
        const back = applyText(d.backwardsChangesets[i], text);
        if (back !== texts[texts.length - 2]) {
          result.errors.push(`g=${g}: backwards ${start}+${i} does not undo`);
        }
        n++;
      }
      if (d.actualEndNum <= start) break;
      start = d.actualEndNum;
    }
    if (g === 1) texts1 = texts;
    const full = Math.floor((head + 1) / g) * g;
    const expected = g === 1 ? final : null;
    result.checks.push({ g, composites: n, full });
    if (n !== full / g) result.errors.push(`g=${g}: ${n} composites, want ${full / g}`);
    if (expected !== null && text !== expected) {
      result.errors.push(`g=${g}: forwards do not give the pad text`);
    }
  }
  // from the middle (after a key snapshot): starts from its text
  for (const start of [1, 11, 21, Math.floor(head / 2), head]) {
    const d = await request(start, 1);
    let text = texts1[start];
    for (let i = 0; i < d.forwardsChangesets.length; i++) {
      text = applyText(d.forwardsChangesets[i], text);
      if (text !== texts1[start + i + 1]) {
        result.errors.push(`start ${start}: forwards ${i} differ`);
        break;
      }
    }
    if (d.forwardsChangesets.length !== head + 1 - start) {
      result.errors.push(`start ${start}: ${d.forwardsChangesets.length} changesets`);
    }
    result.checks.push({ start, n: d.forwardsChangesets.length });
  }
  result.ok = result.errors.length === 0;
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(0);
}

setTimeout(() => {
  result.ok = false;
  result.errors.push('timeout');
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(1);
}, opt.timeout || 20000);
