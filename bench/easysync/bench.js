'use strict';
// JS side of the Easysync benchmark: Etherpad's Changeset.js
// (ep_etherpad-lite@1.8.14) on the corpus of gen.js.  Prints one line per
// (pad, op): "name op ops_per_second".
//
//   node bench/easysync/bench.js CORPUSDIR [SECONDS]

const fs = require('fs');
const path = require('path');
const {Changeset, AttributePool} = require('../../t/easysync/oracle');

const dir = process.argv[2];
const secs = Number(process.argv[3] || '1');

// CPU time of the process (the machine may be shared), in seconds
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

const time = (fn, n) => {
  // warm up, then run whole passes over the cases for at least secs
  for (let i = 0; i < n; i++) fn(i);
  let ops = 0;
  const t0 = cpu();
  let el = 0;
  do {
    for (let i = 0; i < n; i++) fn(i);
    ops += n;
    el = cpu() - t0;
  } while (el < secs);
  return ops / el;
};

let sink = 0;
for (const name of ['1KB', '100KB', '1MB']) {
  const c = JSON.parse(fs.readFileSync(path.join(dir, `pad-${name}.json`)));
  const pool = new AttributePool().fromJsonable(c.pool);
  const n = c.cases.length;
  const follow = time((i) => {
    sink += Changeset.follow(c.cases[i].cs1, c.cases[i].cs2, false,
        pool).length;
  }, n);
  const compose = time((i) => {
    sink += Changeset.compose(c.cases[i].cs1, c.cases[i].cs3, pool).length;
  }, n);
  const apply = time((i) => {
    sink += Changeset.applyToAText(c.cases[i].cs1, c.atext, pool)
        .attribs.length;
  }, n);
  console.log(`${name} follow ${follow.toFixed(0)}`);
  console.log(`${name} compose ${compose.toFixed(0)}`);
  console.log(`${name} applyToAText ${apply.toFixed(0)}`);
}
if (sink === 42) console.log('');
