// Ready-to-copy connection snippets for this server: cqlsh and the Python, Node.js and Java
// drivers, over TLS with the server's certificate. Passwords are never shown here (they are
// shown once, at creation or reset); the snippets read them from the environment.
import { useState } from "preact/hooks";
import { Principal, iam } from "../api";
import { CopyButton, ErrorBanner, useLoad } from "../components";

export function Connect({ principal, credentialUser }: { principal: Principal; credentialUser?: string }) {
  const [endpoint, error] = useLoad(() => fetch("/api/endpoint", { credentials: "same-origin" })
    .then((r) => r.json()));
  const [creds] = useLoad(() => principal.is_root ? Promise.resolve([]) :
    iam("ListServiceSpecificCredentials", { ServiceName: "cassandra.amazonaws.com" })
      .then((r) => r.ServiceSpecificCredentials), []);
  const [chosen, setChosen] = useState(credentialUser || "");
  const user = chosen || (creds && creds[0]?.ServiceUserName) || "<ServiceUserName>";
  if (!endpoint) return <section><h1>Connect</h1><ErrorBanner error={error} /></section>;
  const host = location.hostname;
  const port = endpoint.cql_tls_port;
  const cert = endpoint.certificate_path;
  const snippets: [string, string][] = [
    ["cqlsh", `export SSL_CERTFILE=${cert}\nexport SIBYL_PASSWORD='<ServicePassword>'\n` +
      `cqlsh ${host} ${port} --ssl -u '${user}' -p "$SIBYL_PASSWORD"`],
    ["Python (cassandra-driver)", `import os, ssl\nfrom cassandra.auth import PlainTextAuthProvider\n` +
      `from cassandra.cluster import Cluster\n\nctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)\n` +
      `ctx.load_verify_locations("${cert}")\nctx.check_hostname = False\n` +
      `cluster = Cluster(["${host}"], port=${port}, ssl_context=ctx,\n` +
      `                  auth_provider=PlainTextAuthProvider("${user}", os.environ["SIBYL_PASSWORD"]))\n` +
      `session = cluster.connect()\nprint(session.execute("SELECT release_version FROM system.local").one())`],
    ["Node.js (cassandra-driver)", `const cassandra = require("cassandra-driver");\nconst fs = require("fs");\n\n` +
      `const client = new cassandra.Client({\n  contactPoints: ["${host}:${port}"],\n  localDataCenter: "${endpoint.data_center}",\n` +
      `  authProvider: new cassandra.auth.PlainTextAuthProvider("${user}", process.env.SIBYL_PASSWORD),\n` +
      `  sslOptions: { ca: [fs.readFileSync("${cert}")], checkServerIdentity: () => undefined },\n});\n` +
      `client.execute("SELECT release_version FROM system.local").then((r) => console.log(r.rows[0]));`],
    ["Java (DataStax driver 4.x, application.conf)", `datastax-java-driver {\n  basic.contact-points = ["${host}:${port}"]\n` +
      `  basic.load-balancing-policy.local-datacenter = "${endpoint.data_center}"\n` +
      `  advanced.auth-provider {\n    class = PlainTextAuthProvider\n    username = "${user}"\n    password = \${SIBYL_PASSWORD}\n  }\n` +
      `  advanced.ssl-engine-factory {\n    class = DefaultSslEngineFactory\n    hostname-validation = false\n` +
      `    truststore-path = "/path/to/truststore.jks"  # keytool -importcert -file ${cert}\n  }\n}`],
  ];
  return (
    <section>
      <h1>Connect</h1>
      <p>CQL over TLS on <code>{host}:{port}</code> (plain text on port {endpoint.cql_port}). The server's
        certificate (CA file) is <code>{cert}</code> on the server machine.</p>
      {creds && creds.length > 1 ? (
        <label>Credential
          <select value={user} onChange={(e) => setChosen((e.target as HTMLSelectElement).value)}>
            {creds.map((c: any) => <option key={c.ServiceUserName}>{c.ServiceUserName}</option>)}
          </select>
        </label>
      ) : null}
      <p class="muted small">Set SIBYL_PASSWORD to the credential's password (shown once when it was
        generated or reset).</p>
      {snippets.map(([title, code]) => (
        <div class="panel" key={title}>
          <div class="panel-head"><h2>{title}</h2><CopyButton text={code} label={`Copy ${title} snippet`} /></div>
          <pre class="code">{code}</pre>
        </div>
      ))}
    </section>
  );
}
