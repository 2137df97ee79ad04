// Simulated Etherpad browser clients: each one speaks CLIENT_READY /
// USER_CHANGES like Etherpad 2.x's collab_client + changesettracker (one
// change in flight, later local edits composed, incoming revisions
// rebased with the same follow() calls), makes random edits (inserts at
// random and identical positions, deletes, bold, emoji, newlines), then
// waits until every client saw the same head, and prints one JSON line:
//   {"ok":bool,"head":N,"texts":[...],"violations":[...],"counts":{...},
//    "transports":[the transport each client ended on],
//    "disconnects":[socket disconnects before the end]}
// Usage: node pad-sim.js '<json options>'
//   urls: ["http://127.0.0.1:PORT", ...] (clients are spread over them)
//   pad, clients (2), edits (10 per client), interval (ms, 30),
//   transports (default: polling then websocket), batch (opt-in flag),
//   kinds: ["insert","same","delete","bold","emoji","newline"],
//   settle (ms to wait for quiescence, 15000), seed,
//   lateClients (the last N clients connect lateAfter ms (100) into the
//   others' edits), earlyTransports (transports of the others)
'use strict';

const { io } = require('socket.io-client');
const Changeset = require('etherpad-cli-client/lib/Changeset');
const AttributePool = require('etherpad-cli-client/lib/AttributePool');

const opt = JSON.parse(process.argv[2] || '{}');
const urls = opt.urls || ['http://127.0.0.1:9001'];
const nclients = opt.clients || 2;
const nedits = opt.edits === undefined ? 10 : opt.edits;
const interval = opt.interval || 30;
const kinds = opt.kinds || ['insert', 'same', 'delete', 'bold', 'emoji',
                            'newline'];
const padId = opt.pad || 'sim';
let seed = opt.seed || 12345;

function rand(n) {
  // xorshift, deterministic per run
  seed ^= seed << 13; seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5; seed >>>= 0;
  return seed % n;
}

function randomString(n) {
  const a = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  let s = '';
  for (let i = 0; i < n; i++) s += a[rand(a.length)];
  return s;
}

const violations = [];
const disconnects = [];   // socket 'disconnect' events before the end
const counts = {};
function count(k) { counts[k] = (counts[k] || 0) + 1; }

function applyText(cs, text) {
  const r = Changeset.applyToText(cs, text);
  return Array.isArray(r) ? r[0] : r;
}

class Client {
  constructor(i) {
    this.i = i;
    this.name = `c${i}`;
    this.url = urls[i % urls.length];
    this.token = 't.' + randomString(20);
    this.pool = new AttributePool();
    this.rev = -1;
    this.base = null;          // atext at this.rev
    this.submitted = null;     // in flight
    this.user = null;          // local, not yet sent
    this.edits = 0;
    this.ready = false;
    this.dead = false;
    this.received = [];
  }

  connect() {
    const o = { path: '/socket.io', reconnection: false, forceNew: true,
                query: { padId } };
    if (opt.transports) o.transports = opt.transports;
    if (opt.earlyTransports && !this.late) o.transports = opt.earlyTransports;
    this.socket = io(this.url, o);
    this.socket.on('connect', () => {
      const m = { component: 'pad', type: 'CLIENT_READY', padId,
                  token: this.token,
                  userInfo: { colorId: null, name: this.name } };
      if (opt.batch) m.newChangesBatch = true;
      this.socket.emit('message', m);
    });
    this.socket.on('connect_error', (e) => {
      violations.push(`${this.name}: connect_error ${e.message}`);
      this.dead = true;
    });
    this.socket.on('message', (m) => this.onMessage(m));
    this.socket.on('disconnect', (r) => {
      if (!this.closing) disconnects.push(`${this.name}: ${r}`);
    });
  }

  local() {
    let t = this.base.text;
    if (this.submitted) t = applyText(this.submitted, t);
    if (this.user) t = applyText(this.user, t);
    return t;
  }

  onMessage(m) {
    if (m.disconnect) {
      violations.push(`${this.name}: disconnect ${m.disconnect}`);
      this.dead = true;
      return;
    }
    if (m.accessStatus) {
      violations.push(`${this.name}: accessStatus ${m.accessStatus}`);
      this.dead = true;
      return;
    }
    if (m.type === 'CLIENT_VARS') {
      count('CLIENT_VARS');
      const v = m.data.collab_client_vars;
      this.rev = v.rev;
      const wire = new AttributePool().fromJsonable(v.apool);
      this.base = { text: v.initialAttributedText.text,
                    attribs: Changeset.moveOpsToNewPool(
                        v.initialAttributedText.attribs, wire, this.pool) };
      this.author = m.data.userId;
      this.ready = true;
      return;
    }
    if (m.type !== 'COLLABROOM') return;
    const d = m.data;
    count(d.type);
    if (d.type === 'NEW_CHANGES') {
      this.newChanges(d);
    } else if (d.type === 'NEW_CHANGES_BATCH') {
      let prev = this.rev;
      for (const c of d.changes) {
        if (c.newRev !== prev + 1) {
          violations.push(`${this.name}: batch not contiguous at ${c.newRev}`);
        }
        prev = c.newRev;
        this.newChanges(c);
      }
    } else if (d.type === 'ACCEPT_COMMIT') {
      this.received.push(['A', d.newRev]);
      if (!this.submitted) {
        violations.push(`${this.name}: ACCEPT_COMMIT ${d.newRev} without a commit`);
        return;
      }
      if (d.newRev === this.rev + 1) {
        this.base = Changeset.applyToAText(this.submitted, this.base, this.pool);
        this.rev = d.newRev;
      } else if (d.newRev !== this.rev) {
        violations.push(`${this.name}: ACCEPT_COMMIT ${d.newRev} at rev ${this.rev}`);
      }
      this.submitted = null;
      this.flush();
    }
  }

  newChanges(d) {
    this.received.push(['N', d.newRev]);
    if (d.newRev !== this.rev + 1) {
      violations.push(`${this.name}: NEW_CHANGES ${d.newRev} at rev ${this.rev}`);
      return;
    }
    const wire = new AttributePool().fromJsonable(d.apool);
    let c = Changeset.moveOpsToNewPool(d.changeset, wire, this.pool);
    const newBase = Changeset.applyToAText(c, this.base, this.pool);
    if (this.submitted) {
      const old = this.submitted;
      this.submitted = Changeset.follow(c, old, false, this.pool);
      c = Changeset.follow(old, c, true, this.pool);
    }
    if (this.user) {
      this.user = Changeset.follow(c, this.user, true, this.pool);
    }
    this.base = newBase;
    this.rev = d.newRev;
  }

  edit() {
    if (!this.ready || this.dead) return;
    const text = this.local();
    const len = text.length;
    const me = [['author', this.author]];
    const kind = kinds[rand(kinds.length)];
    let cs;
    if (kind === 'delete' && len > 2) {
      let pos = rand(len - 1);
      let n = 1 + rand(Math.min(3, len - 1 - pos));
      // never split a surrogate pair
      if (pos > 0 && /[\udc00-\udfff]/.test(text[pos])) pos--;
      if (/[\ud800-\udbff]/.test(text[pos + n - 1])) n++;
      if (pos + n > len - 1) return;
      cs = Changeset.makeSplice(text, pos, n, '', me, this.pool);
    } else if (kind === 'bold' && len > 2) {
      let pos = rand(len - 1);
      let n = 1 + rand(Math.min(4, len - 1 - pos));
      if (pos > 0 && /[\udc00-\udfff]/.test(text[pos])) pos--;
      if (/[\ud800-\udbff]/.test(text[pos + n - 1])) n++;
      if (pos + n > len - 1) return;
      const b = Changeset.builder(len);
      b.keepText(text.substring(0, pos));
      b.keepText(text.substring(pos, pos + n), [['bold', 'true']], this.pool);
      cs = b.toString();
    } else {
      let ins;
      if (kind === 'emoji') ins = '\u{1F600}x';
      else if (kind === 'newline') ins = `${this.name}\n`;
      else ins = `${this.name}.${this.edits}`;
      let pos = kind === 'same' ? 0 : rand(len);
      if (pos > 0 && pos < len && /[\udc00-\udfff]/.test(text[pos])) pos--;
      cs = Changeset.makeSplice(text, pos, 0, ins, me, this.pool);
    }
    this.edits++;
    this.user = this.user ? Changeset.compose(this.user, cs, this.pool) : cs;
    this.flush();
  }

  flush() {
    if (this.submitted || !this.user || this.dead) return;
    this.submitted = this.user;
    this.user = null;
    const w = Changeset.prepareForWire(this.submitted, this.pool);
    this.socket.emit('message', {
      type: 'COLLABROOM', component: 'pad',
      data: { type: 'USER_CHANGES', baseRev: this.rev,
              changeset: w.translated, apool: w.pool.toJsonable() } });
  }

  idle() {
    return this.dead || (this.ready && !this.submitted && !this.user
                         && this.edits >= nedits);
  }
}

function wait(ms) { return new Promise((r) => setTimeout(r, ms)); }

async function main() {
  let proxy = null;
  if (opt.roundRobin) {
    // every client talks to one proxy that alternates between the urls
    proxy = await require('./rr-proxy').start(urls.slice());
    urls.splice(0, urls.length, proxy.url);
  }
  const clients = [];
  const nlate = opt.lateClients || 0;
  for (let i = 0; i < nclients; i++) {
    const c = new Client(i);
    clients.push(c);
    c.late = i >= nclients - nlate;
    if (!c.late) c.connect();
  }
  const t0 = Date.now();
  while (!clients.every((c) => c.late || c.ready || c.dead)) {
    if (Date.now() - t0 > 10000) {
      violations.push('clients did not all get CLIENT_VARS');
      break;
    }
    await wait(20);
  }
  // edits: each client at its own pace, interleaved
  if (nlate) {
    // lateClients connect (with the default transports, or transports)
    // lateAfter ms into the edits, while the others go on editing
    const te = Date.now();
    let started = false;
    while (Date.now() - te < (opt.lateMax || 10000)) {
      if (!started && Date.now() - te >= (opt.lateAfter || 100)) {
        started = true;
        for (const c of clients) if (c.late) c.connect();
      }
      if (started && clients.every((c) => c.dead || c.edits >= nedits)) {
        break;
      }
      for (const c of clients) {
        if (c.edits < nedits) c.edit();
      }
      await wait(interval);
    }
  } else {
    for (let round = 0; round < nedits; round++) {
      for (const c of clients) {
        if (c.edits < nedits) c.edit();
      }
      await wait(interval);
    }
  }
  const settle = opt.settle || 15000;
  const t1 = Date.now();
  for (;;) {
    const live = clients.filter((c) => !c.dead);
    const head = Math.max(...live.map((c) => c.rev));
    if (live.every((c) => c.idle() && c.rev === head)) break;
    if (Date.now() - t1 > settle) {
      violations.push('no quiescence: ' + live.map(
          (c) => `${c.name}@${c.rev}e${c.edits}${c.submitted ? '+s' : ''}${c.user ? '+u' : ''}`).join(' '));
      break;
    }
    await wait(50);
  }
  // a little longer: nothing more may arrive
  await wait(opt.tail || 300);
  const live = clients.filter((c) => !c.dead);
  const texts = live.map((c) => c.local());
  const head = Math.max(-1, ...live.map((c) => c.rev));
  const converged = texts.every((t) => t === texts[0]);
  if (!converged) violations.push('texts differ');
  const result = { ok: converged && violations.length === 0, head,
                   text: texts[0], texts, violations, counts,
                   live: live.length };
  if (opt.trace) result.received = clients.map((c) => c.received);
  // the transport each client ended on ("websocket" once upgraded)
  result.transports = clients.map((c) => (c.dead ? 'dead'
      : c.socket.io.engine && c.socket.io.engine.transport
        ? c.socket.io.engine.transport.name : 'none'));
  result.disconnects = disconnects;
  for (const c of clients) { c.closing = true; c.socket.disconnect(); }
  if (proxy) proxy.close();
  process.stdout.write(JSON.stringify(result) + '\n');
  setTimeout(() => process.exit(0), 50);
}

main().catch((e) => {
  process.stdout.write(JSON.stringify({ ok: false, error: String(e.stack) }) + '\n');
  process.exit(1);
});
