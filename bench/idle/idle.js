// Opens N idle Socket.IO sessions against the module and reports the
// handshake rate.  A session is a WebSocket (direct, or after the polling
// handshake with MODE=upgrade) that received the open packet and the
// CONNECT answer 40{"sid":...}; it then stays idle, answering pings.
// Usage: node idle.js PORT N [CONCURRENCY] [MODE]
// Prints "ready <json>" once all are connected, then waits for stdin EOF
// (or SIGTERM) and closes everything.
'use strict';

const WebSocket = require('ws');
const http = require('http');

const port = +process.argv[2];
const total = +process.argv[3] || 10000;
const conc = +process.argv[4] || 200;
const mode = process.argv[5] || 'ws';
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
const sockets = [];
let started = 0, done = 0, failed = 0;

function poll(path, method, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, agent },
      (res) => {
        let d = '';
        res.on('data', (c) => { d += c; });
        res.on('end', () => resolve(d));
      });
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

async function one() {
  let q = 'EIO=4&transport=websocket&padId=bench';
  if (mode === 'upgrade') {
    const open = await poll('/socket.io/?EIO=4&transport=polling&padId=bench',
                            'GET');
    const sid = JSON.parse(open.slice(1)).sid;
    q += '&sid=' + sid;
    await poll('/socket.io/?EIO=4&transport=polling&sid=' + sid, 'POST', '40');
    await poll('/socket.io/?EIO=4&transport=polling&sid=' + sid, 'GET');
  }
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?${q}`,
                             { perMessageDeflate: false });
    let state = mode === 'upgrade' ? 'probe' : 'open';
    ws.on('message', (d) => {
      const m = d.toString();
      if (m === '2') { ws.send('3'); return; }
      if (state === 'open' && m[0] === '0') { ws.send('40'); state = 'connect'; }
      else if (state === 'probe' && m === '3probe') {
        ws.send('5'); state = 'done'; resolve(ws);
      } else if (state === 'connect' && m.startsWith('40{')) {
        state = 'done'; resolve(ws);
      }
    });
    ws.on('open', () => { if (mode === 'upgrade') ws.send('2probe'); });
    ws.on('error', (e) => { if (state !== 'done') reject(e); });
  });
}

const t0 = process.hrtime.bigint();

function next() {
  if (started >= total) return;
  started++;
  one().then((ws) => {
    sockets.push(ws);
    done++;
    if (done + failed === total) report(); else next();
  }, () => {
    failed++;
    if (done + failed === total) report(); else next();
  });
}

function report() {
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  process.stdout.write('ready ' + JSON.stringify({
    sessions: done, failed, seconds: +secs.toFixed(3),
    handshakes_per_second: Math.round(done / secs), mode,
  }) + '\n');
}

for (let i = 0; i < Math.min(conc, total); i++) next();

function end() {
  for (const ws of sockets) ws.terminate();
  setTimeout(() => process.exit(0), 200);
}
process.stdin.on('end', end);
process.stdin.resume();
process.on('SIGTERM', end);
