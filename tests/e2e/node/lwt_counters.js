// The npm cassandra-driver against counters and lightweight transactions (issue 12): concurrent
// prepared increments read back exactly, INSERT ... IF NOT EXISTS twice (wasApplied() true then
// false, with the existing row), a compare-and-set UPDATE ... IF v = ?, a conditional batch, and a
// SELECT at SERIAL. Prints OK and what it saw; exits non-zero on any mismatch.
// Usage: node lwt_counters.js <port>
'use strict';
const cassandra = require('cassandra-driver');
const { consistencies } = cassandra.types;

function check(cond, what) {
  if (!cond) throw new Error('mismatch: ' + what);
}

async function main() {
  const port = Number(process.argv[2] || 9042);
  const client = new cassandra.Client({ contactPoints: [`127.0.0.1:${port}`], localDataCenter: 'datacenter1' });
  await client.connect();
  const ks = 'node_lwt_' + Date.now();
  await client.execute(`CREATE KEYSPACE ${ks} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
  await client.execute(`CREATE TABLE ${ks}.views (page text PRIMARY KEY, hits counter)`);
  await client.execute(`CREATE TABLE ${ks}.users (name text PRIMARY KEY, email text, version int)`);

  // 4 x 50 concurrent prepared increments: counters come back as Long.
  const inc = `UPDATE ${ks}.views SET hits = hits + ? WHERE page = ?`;
  const work = [];
  for (let w = 0; w < 4; w++) {
    work.push((async () => {
      for (let i = 0; i < 50; i++) await client.execute(inc, [cassandra.types.Long.fromNumber(1), 'home'], { prepare: true });
    })());
  }
  await Promise.all(work);
  const hits = (await client.execute(`SELECT hits FROM ${ks}.views WHERE page = ?`, ['home'], { prepare: true })).first().hits;
  check(hits.toString() === '200', `hits ${hits}`);

  // IF NOT EXISTS twice: the second shows the existing row.
  const ins = `INSERT INTO ${ks}.users (name, email, version) VALUES (?, ?, ?) IF NOT EXISTS`;
  const first = await client.execute(ins, ['ada', 'ada@example.com', 1], { prepare: true });
  check(first.wasApplied() === true, 'first insert applied');
  const second = await client.execute(ins, ['ada', 'other@example.com', 1], { prepare: true });
  check(second.wasApplied() === false, 'second insert not applied');
  check(second.first().email === 'ada@example.com', `existing row ${JSON.stringify(second.first())}`);

  // Compare-and-set on version, with serial consistency set as drivers do.
  const cas = `UPDATE ${ks}.users SET version = ? WHERE name = ? IF version = ?`;
  const opts = { prepare: true, serialConsistency: consistencies.localSerial };
  check((await client.execute(cas, [2, 'ada', 1], opts)).wasApplied() === true, 'cas 1->2');
  const lost = await client.execute(cas, [3, 'ada', 1], opts);
  check(lost.wasApplied() === false && lost.first().version === 2, `cas 1->3 refused ${JSON.stringify(lost.first())}`);

  // A conditional batch on one partition: all or nothing.
  const batch = await client.batch([
    { query: `UPDATE ${ks}.users SET email = ? WHERE name = ? IF version = ?`, params: ['new@example.com', 'ada', 2] },
    { query: `UPDATE ${ks}.users SET version = ? WHERE name = ?`, params: [3, 'ada'] },
  ], { prepare: true });
  check(batch.wasApplied() === true, 'batch applied');

  const serial = await client.execute(`SELECT email, version FROM ${ks}.users WHERE name = ?`, ['ada'],
    { prepare: true, consistency: consistencies.serial });
  const row = serial.first();
  check(row.email === 'new@example.com' && row.version === 3, `serial read ${JSON.stringify(row)}`);

  console.log(`OK hits=${hits} second=${second.wasApplied()} version=${row.version}`);
  await client.execute(`DROP KEYSPACE ${ks}`);
  await client.shutdown();
}

main().catch((e) => { console.error('FAILED', e); process.exit(1); });
