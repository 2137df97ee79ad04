// Drives a real socket.io-client against the module and prints one JSON
// line with what happened.  Usage:
//   node sio-client.js '{"url":"http://127.0.0.1:PORT","transports":[...]}'
// Options: url, path (default /socket.io), transports (default: the
// client's default, polling then websocket), query, acks (number of acked
// events to send, default 2), wait_upgrade (ms; default 3000 when polling
// is allowed), timeout (ms, default 5000).
'use strict';

const { io } = require('socket.io-client');

const opt = JSON.parse(process.argv[2] || '{}');
const timeout = opt.timeout || 5000;
const result = { events: [], acks: [], errors: [] };
let done = false;

function finish(code) {
  if (done) return;
  done = true;
  process.stdout.write(JSON.stringify(result) + '\n');
  try { socket.disconnect(); } catch (e) { /* ignore */ }
  setTimeout(() => process.exit(code), 50);
}

const ioOpts = {
  path: opt.path || '/socket.io',
  reconnection: false,
  timeout,
  rejectUnauthorized: false,
  query: opt.query || { padId: 'test' },
};
if (opt.transports) ioOpts.transports = opt.transports;

const socket = io(opt.url, ioOpts);
const eng = socket.io.engine;
eng.on('handshake', (data) => {
  result.handshake = data;
  result.first_transport = eng.transport.name;
});
eng.on('upgrade', (t) => { result.upgraded_to = t.name; });
const guard = setTimeout(() => {
  result.errors.push('overall timeout');
  finish(2);
}, opt.overall || 20000);

socket.on('connect_error', (err) => {
  result.errors.push('connect_error: ' + err.message);
  clearTimeout(guard);
  finish(1);
});
socket.on('disconnect', (reason) => {
  result.events.push(['disconnect', reason]);
});
socket.on('message', (...args) => {
  result.events.push(['message', ...args]);
});

function wait(ms) { return new Promise((r) => setTimeout(r, ms)); }

async function run() {
  const engine = socket.io.engine;
  result.sid = socket.id;
  const hs = result.handshake || {};
  result.upgrades = hs.upgrades;
  result.ping_interval = hs.pingInterval;
  result.ping_timeout = hs.pingTimeout;
  result.max_payload = hs.maxPayload;

  const pollingAllowed = !opt.transports || opt.transports.includes('polling');
  if (pollingAllowed && engine.transport.name === 'polling') {
    const ms = opt.wait_upgrade === undefined ? 3000 : opt.wait_upgrade;
    await new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      engine.once('upgrade', () => { clearTimeout(t); resolve(); });
    });
  }
  result.transport = engine.transport.name;

  // an event without an ack; nothing comes back for it
  socket.emit('message', { component: 'pad', type: 'NOPE_NO_ACK' });

  const n = opt.acks === undefined ? 2 : opt.acks;
  for (let i = 0; i < n; i++) {
    try {
      const reply = await socket.timeout(timeout)
        .emitWithAck('message', { component: 'pad', type: 'NOPE_' + i });
      result.acks.push(reply === undefined ? null : reply);
    } catch (err) {
      result.errors.push('ack ' + i + ': ' + err.message);
    }
  }
  if (opt.linger) await wait(opt.linger);
  result.connected = socket.connected;
  result.transport_end = engine.transport.name;
  clearTimeout(guard);
  finish(0);
}

socket.on('connect', () => {
  run().catch((e) => { result.errors.push(String(e && e.stack || e)); finish(3); });
});
