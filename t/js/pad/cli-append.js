// etherpad-cli-client (npm, unmodified, default transports): N clients
// append markers concurrently; prints one JSON line with every client's
// final text.  Usage: node cli-append.js '{"url":"http://127.0.0.1:P/p/x",
//   "clients":3,"appends":5,"interval":150,"settle":8000}'
'use strict';

const cli = require('etherpad-cli-client');

const opt = JSON.parse(process.argv[2] || '{}');
const n = opt.clients || 3;
const appends = opt.appends || 5;
const result = { texts: [], errors: [], disconnects: [], connected: 0 };
const pads = [];

function wait(ms) { return new Promise((r) => setTimeout(r, ms)); }

process.on('uncaughtException', (e) => {
  result.errors.push('uncaught: ' + e.message);
});
process.on('unhandledRejection', (e) => {
  result.errors.push('unhandled: ' + String(e && e.message || e));
});

async function main() {
  for (let i = 0; i < n; i++) {
    const pad = cli.connect(opt.url);
    pad.on('connected', () => { result.connected++; pad.ok = true; });
    pad.on('disconnect', (r) => result.disconnects.push(String(r)));
    pad.on('connect_error', (e) => result.errors.push('connect_error '
                                                       + e.message));
    pads.push(pad);
  }
  const t0 = Date.now();
  while (result.connected < n && Date.now() - t0 < 10000) await wait(20);
  for (let k = 0; k < appends; k++) {
    pads.forEach((p, i) => { if (p.ok) p.append(`[${i}.${k}]`); });
    await wait(opt.interval || 150);
  }
  // wait until every client has every marker, or the settle time passed
  const markers = [];
  for (let i = 0; i < n; i++) for (let k = 0; k < appends; k++) {
    markers.push(`[${i}.${k}]`);
  }
  const t1 = Date.now();
  let states = [];
  for (;;) {
    states = pads.map((p) => p.ok && p._state);
    const texts = pads.map((p) => (p.ok ? p.text() : null));
    if (texts.every((t) => t && markers.every((m) => t.includes(m))
                           && t === texts[0])) break;
    if (Date.now() - t1 > (opt.settle || 8000)) break;
    await wait(100);
  }
  result.texts = pads.map((p) => (p.ok ? p.text() : null));
  result.markers = markers.length;
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(0);
}

// padState is passed to 'connected'; keep it to read the text
const origConnect = cli.connect;
cli.connect = (url) => {
  const pad = origConnect(url);
  pad.on('connected', (state) => { pad._state = state; });
  pad.text = () => pad._state.atext.text;
  return pad;
};

main();
