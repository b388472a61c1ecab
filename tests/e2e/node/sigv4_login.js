// Logs in over CQL with an access key through AWS's own plugin for the Node.js driver
// (aws-sigv4-auth-cassandra-plugin), as Amazon Keyspaces users do, and runs a query.
// Usage: node sigv4_login.js <port> <access key id> <secret> [region]
'use strict';
const cassandra = require('cassandra-driver');
const sigV4 = require('aws-sigv4-auth-cassandra-plugin');

async function main() {
  const [port, accessKeyId, secretAccessKey, region = 'us-east-1'] = process.argv.slice(2);
  const client = new cassandra.Client({
    contactPoints: [`127.0.0.1:${port}`],
    localDataCenter: 'datacenter1',
    authProvider: new sigV4.SigV4AuthProvider({ region, accessKeyId, secretAccessKey }),
  });
  await client.connect();
  const rs = await client.execute('SELECT release_version FROM system.local');
  console.log(`OK release=${rs.first().release_version}`);
  await client.shutdown();
}

main().catch((e) => { console.error('FAILED', e.message || e); process.exit(1); });
