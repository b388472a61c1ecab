// The npm cassandra-driver decodes UDT columns (issue 11): a frozen UDT, a UDT in a map and a
// prepared statement binding a UDT. Prints OK and what it read.
// Usage: node udt.js <port>
'use strict';
const cassandra = require('cassandra-driver');

async function main() {
  const port = Number(process.argv[2] || 9042);
  const client = new cassandra.Client({ contactPoints: [`127.0.0.1:${port}`], localDataCenter: 'datacenter1' });
  await client.connect();
  const ks = 'node_udt_' + Date.now();
  await client.execute(`CREATE KEYSPACE ${ks} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
  await client.execute(`CREATE TYPE ${ks}.address (street text, zip int)`);
  await client.execute(`CREATE TABLE ${ks}.t (k int PRIMARY KEY, a frozen<address>, m map<text, frozen<address>>)`);
  await client.execute(`INSERT INTO ${ks}.t (k, a, m) VALUES (?, ?, ?)`,
    [1, { street: 's', zip: 7 }, { home: { street: 'Paris', zip: 1 } }], { prepare: true });
  const row = (await client.execute(`SELECT a, m FROM ${ks}.t WHERE k = ?`, [1], { prepare: true })).first();
  console.log(`OK ${JSON.stringify(row.a)} ${row.m.home.street}`);
  await client.execute(`DROP KEYSPACE ${ks}`);
  await client.shutdown();
}

main().catch((e) => { console.error('FAILED', e); process.exit(1); });
