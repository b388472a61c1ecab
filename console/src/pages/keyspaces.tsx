// Keyspaces and their tables, read from system_schema; create and drop run CQL, which is shown
// before it runs.
import { useState } from "preact/hooks";
import { cql, ident, literal } from "../api";
import { Dialog, ErrorBanner, Loading, useLoad } from "../components";

const SYSTEM = /^system/;

async function loadSchema() {
  const ks = await cql("SELECT keyspace_name, replication FROM system_schema.keyspaces", { page_size: 5000 });
  const tables = await cql("SELECT keyspace_name, table_name FROM system_schema.tables", { page_size: 5000 });
  const byKeyspace = new Map<string, string[]>();
  for (const [k] of ks.rows || []) byKeyspace.set(k as string, []);
  for (const [k, t] of tables.rows || []) byKeyspace.get(k as string)?.push(t as string);
  return [...byKeyspace.entries()].sort(([a], [b]) =>
    Number(SYSTEM.test(a)) - Number(SYSTEM.test(b)) || a.localeCompare(b));
}

export function Keyspaces() {
  const [schema, error, reload] = useLoad(loadSchema);
  const [showSystem, setShowSystem] = useState(false);
  const [running, setRunning] = useState<{ title: string; statement: string }>();
  const [creatingTable, setCreatingTable] = useState<string>();
  return (
    <section>
      <div class="page-head">
        <h1>Keyspaces and tables</h1>
        <button onClick={() => setRunning({ title: "Create keyspace", statement:
          "CREATE KEYSPACE my_keyspace WITH replication = {'class': 'SingleRegionStrategy'}" })}>
          Create keyspace</button>
      </div>
      <label class="check"><input type="checkbox" checked={showSystem}
        onChange={(e) => setShowSystem((e.target as HTMLInputElement).checked)} /> Show system keyspaces</label>
      <ErrorBanner error={error} />
      {!schema && !error ? <Loading /> : null}
      {(schema || []).filter(([k]) => showSystem || !SYSTEM.test(k)).map(([keyspace, tables]) => (
        <div class="panel" key={keyspace}>
          <div class="panel-head"><h2>{keyspace}</h2>
            {SYSTEM.test(keyspace) ? <span class="muted small">system</span> : (
              <div>
                <button class="secondary" onClick={() => setCreatingTable(keyspace)}>Create table</button>
                <button class="secondary danger" onClick={() => setRunning({ title: `Drop ${keyspace}`,
                  statement: `DROP KEYSPACE ${ident(keyspace)}` })}>Drop keyspace</button>
              </div>
            )}
          </div>
          {tables.length ? (
            <ul class="tables">{tables.sort().map((t) => (
              <li key={t}><a href={`#/keyspaces/${encodeURIComponent(keyspace)}/tables/${encodeURIComponent(t)}`}>{t}</a></li>
            ))}</ul>
          ) : <p class="muted">No tables.</p>}
        </div>
      ))}
      {running ? <RunStatement {...running} onClose={(changed) => { setRunning(undefined); if (changed) reload(); }} /> : null}
      {creatingTable ? <CreateTable keyspace={creatingTable}
                                    onClose={(changed) => { setCreatingTable(undefined); if (changed) reload(); }} /> : null}
    </section>
  );
}

// Shows a statement, lets the user edit it, runs it as the signed-in principal.
export function RunStatement({ title, statement, onClose }: {
  title: string; statement: string; onClose: (changed: boolean) => void;
}) {
  const [text, setText] = useState(statement);
  const [error, setError] = useState<unknown>();
  const run = async () => {
    setError(undefined);
    try {
      await cql(text);
      onClose(true);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Dialog title={title} onClose={() => onClose(false)}>
      <p class="muted small">This CQL runs with your permissions:</p>
      <textarea class="code" rows={4} aria-label="CQL statement" value={text}
                onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} />
      <ErrorBanner error={error} />
      <div class="actions">
        <button class="secondary" onClick={() => onClose(false)}>Cancel</button>
        <button onClick={run}>Run</button>
      </div>
    </Dialog>
  );
}

function CreateTable({ keyspace, onClose }: { keyspace: string; onClose: (changed: boolean) => void }) {
  const [name, setName] = useState("my_table");
  const [columns, setColumns] = useState("id uuid, created timestamp, body text");
  const [key, setKey] = useState("id");
  const [tags, setTags] = useState("");
  const tagPairs = tags.split(",").map((t) => t.split("=").map((s) => s.trim())).filter(([k, v]) => k && v);
  const statement = `CREATE TABLE ${ident(keyspace)}.${ident(name)} (${columns}, PRIMARY KEY (${key}))` +
    (tagPairs.length ? ` WITH TAGS = {${tagPairs.map(([k, v]) => `${literal(k)}: ${literal(v)}`).join(", ")}}` : "");
  const [confirm, setConfirm] = useState(false);
  if (confirm) return <RunStatement title={`Create table in ${keyspace}`} statement={statement} onClose={onClose} />;
  return (
    <Dialog title={`Create table in ${keyspace}`} onClose={() => onClose(false)}>
      <label>Table name<input value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} /></label>
      <label>Columns (name type, ...)<input class="wide" value={columns}
        onInput={(e) => setColumns((e.target as HTMLInputElement).value)} /></label>
      <label>Primary key<input value={key} onInput={(e) => setKey((e.target as HTMLInputElement).value)} /></label>
      <label>Tags (key=value, ...)<input value={tags} onInput={(e) => setTags((e.target as HTMLInputElement).value)} /></label>
      <pre class="code">{statement}</pre>
      <div class="actions">
        <button class="secondary" onClick={() => onClose(false)}>Cancel</button>
        <button onClick={() => setConfirm(true)}>Review and run</button>
      </div>
    </Dialog>
  );
}

export function useKeyspaceNames() {
  return useLoad(async () => {
    const r = await cql("SELECT keyspace_name FROM system_schema.keyspaces", { page_size: 5000 });
    return (r.rows || []).map(([k]) => k as string).sort();
  });
}

