// One table: its columns and keys, options, tags, and its first rows.
import { useState } from "preact/hooks";
import { cql, ident, literal } from "../api";
import { ErrorBanner, Loading, useLoad } from "../components";
import { ResultGrid } from "./cql";
import { RunStatement } from "./keyspaces";

export function TablePage({ keyspace, table }: { keyspace: string; table: string }) {
  const where = `WHERE keyspace_name = ${literal(keyspace)} AND table_name = ${literal(table)}`;
  const [columns, columnsError] = useLoad(() => cql(
    `SELECT column_name, type, kind, position, clustering_order FROM system_schema.columns ${where}`,
    { page_size: 5000 }), [keyspace, table]);
  const [options] = useLoad(() => cql(`SELECT * FROM system_schema.tables ${where}`), [keyspace, table]);
  const [tags] = useLoad(() => cql(
    `SELECT resource_name, resource_type, tags FROM system_schema_mcs.tags WHERE keyspace_name = ${literal(keyspace)}`,
    { page_size: 5000 }), [keyspace]);
  const [rows, rowsError] = useLoad(() => cql(`SELECT * FROM ${ident(keyspace)}.${ident(table)} LIMIT 20`),
                                    [keyspace, table]);
  const [dropping, setDropping] = useState(false);
  const kindOrder: Record<string, number> = { partition_key: 0, clustering: 1, static: 2, regular: 3 };
  const cols = [...(columns?.rows || [])].sort((a, b) =>
    (kindOrder[a[2] as string] - kindOrder[b[2] as string]) || Number(a[3]) - Number(b[3]));
  const tableTags = (tags?.rows || []).find((r) => r[0] === table && r[1] === "table");
  return (
    <section>
      <p class="crumbs"><a href="#/keyspaces">Keyspaces</a> › {keyspace} › {table}</p>
      <div class="page-head"><h1>{keyspace}.{table}</h1>
        <button class="secondary danger" onClick={() => setDropping(true)}>Drop table</button></div>
      <div class="panel"><div class="panel-head"><h2>Columns</h2></div>
        <ErrorBanner error={columnsError} />
        {!columns && !columnsError ? <Loading /> : (
          <table class="grid"><thead><tr><th>Column</th><th>Type</th><th>Kind</th><th>Order</th></tr></thead>
            <tbody>{cols.map((c) => (
              <tr key={c[0] as string}><td class="mono">{c[0]}</td><td class="mono">{c[1]}</td>
                <td>{(c[2] as string).replace("_", " ")}</td><td>{c[4] === "none" ? "" : c[4]}</td></tr>
            ))}</tbody></table>
        )}
      </div>
      <div class="panel"><div class="panel-head"><h2>Tags</h2></div>
        <p>{tableTags ? <code>{tableTags[2]}</code> : <span class="muted">No tags.</span>}</p>
      </div>
      <div class="panel"><div class="panel-head"><h2>Options</h2></div>
        {options?.rows?.length ? (
          <dl class="summary options">{options.columns!.map((c, i) =>
            c.name === "keyspace_name" || c.name === "table_name" ? null :
              [<dt key={`${c.name}-t`}>{c.name}</dt>, <dd key={`${c.name}-d`} class="mono small">{options.rows![0][i] ?? "null"}</dd>])}
          </dl>
        ) : <Loading />}
      </div>
      <div class="panel"><div class="panel-head"><h2>First rows</h2></div>
        <ErrorBanner error={rowsError} />
        {rows ? <ResultGrid result={rows} /> : (!rowsError ? <Loading /> : null)}
      </div>
      {dropping ? <RunStatement title={`Drop ${keyspace}.${table}`}
        statement={`DROP TABLE ${ident(keyspace)}.${ident(table)}`}
        onClose={(changed) => { setDropping(false); if (changed) location.hash = "#/keyspaces"; }} /> : null}
    </section>
  );
}
