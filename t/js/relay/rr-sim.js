// An HTTP front end without sticky sessions, for the relay tests: every
// request of an Engine.IO session goes to the next backend in turn (per
// session id, so each session's requests alternate between the backends;
// handshakes go round robin), WebSocket upgrades included.  It runs
// t/js/pad/pad-sim.js against itself and prints one JSON line:
//   {"sim": <pad-sim result>, "proxy": {"requests": {backend: n},
//    "sessions": n, "crossed": n (sessions seen by more than one backend),
//    "upgrades": {backend: n}, "upgradeMoved": n (upgrades on another
//    backend than the handshake), "errors": {status: n}, "afterClose":
//    {status: n} (failed requests of sessions whose close packet "1" was
//    already posted), "failed": [first failures]}}
// Usage: node rr-sim.js '<json>'  with
//   backends: ["http://127.0.0.1:PORT", ...], sim: {pad-sim options},
//   upgradeElsewhere: send WebSocket upgrades to another backend than the
//   one that answered the session's handshake
'use strict';

const http = require('http');
const net = require('net');
const path = require('path');
const { spawn } = require('child_process');

const opt = JSON.parse(process.argv[2] || '{}');
const backends = opt.backends.map((u) => {
  const m = /^http:\/\/([^:/]+):(\d+)/.exec(u);
  return { host: m[1], port: +m[2], name: u };
});

const stats = { requests: {}, sessions: 0, crossed: 0, upgrades: {},
                upgradeMoved: 0, errors: {}, afterClose: {} };
const perSid = new Map();   // sid -> { next, seen: Set, first }
let rr = 0;
const t0 = Date.now();

function inc(o, k) { o[k] = (o[k] || 0) + 1; }

function pick(url) {
  const m = /[?&]sid=([^&]+)/.exec(url);
  if (!m) return { b: backends[rr++ % backends.length], sid: null };
  let e = perSid.get(m[1]);
  if (!e) {
    e = { next: rr++, seen: new Set(), first: null };
    perSid.set(m[1], e);
    stats.sessions++;
  }
  const b = backends[e.next++ % backends.length];
  e.seen.add(b.name);
  return { b, sid: m[1], e };
}

const server = http.createServer((req, res) => {
  const { b, e } = pick(req.url);
  if (e && req.method === 'POST') {
    // the close packet "1": after it, a GET the client had still sent
    // may find the session gone (as without a relay)
    let pb = '';
    req.on('data', (d) => { if (pb.length < 8) pb += d; });
    req.on('end', () => { if (pb === '1') e.closed = true; });
  }
  inc(stats.requests, b.name);
  const up = http.request({ host: b.host, port: b.port, method: req.method,
                            path: req.url, headers: req.headers,
                            agent: false }, (ur) => {
    if (ur.statusCode !== 200 && e && e.closed) {
      inc(stats.afterClose, ur.statusCode);
    } else if (ur.statusCode !== 200) {
      inc(stats.errors, ur.statusCode);
      stats.failed = stats.failed || [];
      if (stats.failed.length < 20) {
        const f = `${Date.now() - t0} ms: ${req.method} ${req.url} `
                  + `${ur.statusCode} (${b.name}) `;
        let eb = '';
        ur.on('data', (d) => { eb += d; });
        ur.on('end', () => stats.failed.push(f + eb));
      }
    }
    // the handshake: remember where the session was born
    if (!/[?&]sid=/.test(req.url)) {
      let body = '';
      ur.on('data', (d) => { body += d; });
      ur.on('end', () => {
        const m = /"sid":"([^"]+)"/.exec(body);
        if (m) {
          // its next request goes to the following backend
          perSid.set(m[1], { next: backends.indexOf(b) + 1,
                             seen: new Set([b.name]),
                             first: b.name });
          stats.sessions++;
        }
      });
    }
    res.writeHead(ur.statusCode, ur.headers);
    ur.pipe(res);
  });
  up.on('error', (e) => {
    inc(stats.errors, 'proxy:' + e.code);
    res.writeHead(502);
    res.end();
  });
  req.pipe(up);
});

server.on('upgrade', (req, socket, head) => {
  let { b, e } = pick(req.url);
  if (opt.upgradeElsewhere && e && e.first === b.name) {
    // to another instance than the one that made the session
    b = backends.find((x) => x.name !== e.first);
  }
  inc(stats.upgrades, b.name);
  if (e && e.first && e.first !== b.name) stats.upgradeMoved++;
  const up = net.connect(b.port, b.host, () => {
    let h = `${req.method} ${req.url} HTTP/1.1\r\n`;
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      h += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`;
    }
    up.write(h + '\r\n');
    if (head && head.length) up.write(head);
    up.pipe(socket);
    socket.pipe(up);
  });
  up.on('error', () => socket.destroy());
  socket.on('error', () => up.destroy());
});

server.listen(0, '127.0.0.1', () => {
  const port = server.address().port;
  const simOpt = Object.assign({}, opt.sim,
                               { urls: [`http://127.0.0.1:${port}`] });
  const child = spawn(process.execPath,
                      [path.join(__dirname, '..', 'pad', 'pad-sim.js'),
                       JSON.stringify(simOpt)],
                      { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.on('exit', () => {
    for (const e of perSid.values()) if (e.seen.size > 1) stats.crossed++;
    const line = out.split('\n').find((l) => l.startsWith('{'));
    let sim = null;
    try { sim = JSON.parse(line); } catch (err) { sim = { ok: false, out }; }
    console.log(JSON.stringify({ sim, proxy: stats }));
    server.close();
    setTimeout(() => process.exit(0), 50);
  });
});
