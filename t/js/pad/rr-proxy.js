// A round-robin HTTP proxy for tests: every request (each Engine.IO
// polling GET/POST) goes to the next backend in turn, so one session's
// requests alternate between nginx instances (no sticky sessions).
// WebSocket upgrades are refused (polling only).
'use strict';

const http = require('http');

exports.start = (backends) => new Promise((resolve) => {
  let next = 0;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const server = http.createServer((req, res) => {
    const b = new URL(backends[next++ % backends.length]);
    const p = http.request({ host: b.hostname, port: b.port, method: req.method,
                             path: req.url, headers: req.headers, agent },
                           (r) => { res.writeHead(r.statusCode, r.headers);
                                    r.pipe(res); });
    p.on('error', (e) => { res.writeHead(502); res.end(String(e)); });
    req.pipe(p);
  });
  server.on('upgrade', (req, sock) => sock.destroy());
  server.listen(0, '127.0.0.1', () => {
    resolve({ url: `http://127.0.0.1:${server.address().port}`,
              close: () => { server.close(); agent.destroy(); } });
  });
});
