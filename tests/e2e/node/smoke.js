// Connects with the npm cassandra-driver's default options (the local data center, which the
// driver checks against system.local), creates a table, writes and reads with prepared statements, prints OK.
// Usage: node smoke.js <port> [data-center]
'use strict';
const cassandra = require('cassandra-driver');

async function main() {
  const port = Number(process.argv[2] || 9042);
  // Default options but the local data center, which the driver requires; Sibyl's default is
  // "datacenter1" and the driver checks it against system.local (it refuses an unknown DC).
  const dc = process.argv[3] || 'datacenter1';
  const client = new cassandra.Client({ contactPoints: [`127.0.0.1:${port}`], localDataCenter: dc });
  await client.connect();
  const ks = 'node_' + Date.now();
  await client.execute(`CREATE KEYSPACE ${ks} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
  await client.execute(`CREATE TABLE ${ks}.t (k int, c timeuuid, v text, PRIMARY KEY (k, c))`);
  const ins = `INSERT INTO ${ks}.t (k, c, v) VALUES (?, ?, ?)`;
  for (let i = 0; i < 20; i++) {
    await client.execute(ins, [1, cassandra.types.TimeUuid.now(), `v${i}`], { prepare: true });
  }
  const rs = await client.execute(`SELECT v FROM ${ks}.t WHERE k = ?`, [1], { prepare: true, fetchSize: 7 });
  const all = [];
  await new Promise((resolve, reject) => {
    client.eachRow(`SELECT v FROM ${ks}.t WHERE k = ?`, [1], { prepare: true, autoPage: true, fetchSize: 7 },
      (n, row) => all.push(row.v), (err) => (err ? reject(err) : resolve()));
  });
  if (rs.rows.length !== 7 || all.length !== 20) {
    throw new Error(`unexpected rows: first page ${rs.rows.length}, all ${all.length}`);
  }
  // Unprepared QUERY with bound values (the driver sends them with the QUERY message).
  await client.execute(`INSERT INTO ${ks}.t (k, c, v) VALUES (?, ?, ?)`, [2, cassandra.types.TimeUuid.now(), 'q'],
    { hints: ['int', 'timeuuid', 'text'] });
  const q = await client.execute(`SELECT v FROM ${ks}.t WHERE k = ?`, [2], { hints: ['int'] });
  if (q.rows.length !== 1 || q.rows[0].v !== 'q') throw new Error('unprepared query with values failed');
  const version = (await client.execute('SELECT release_version FROM system.local')).first().release_version;
  console.log(`OK dc=${dc} protocol=${client.controlConnection.protocolVersion} release=${version} rows=${all.length}`);
  await client.shutdown();
}

main().catch((e) => { console.error('FAILED', e); process.exit(1); });
