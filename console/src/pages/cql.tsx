// The CQL editor: statements run as the signed-in principal (its IAM policies decide), results
// in a grid with paging, errors with their CQL code and position, and this session's history.
import { useState } from "preact/hooks";
import { ApiError, CqlResult, cql } from "../api";
import { ErrorBanner } from "../components";
import { useKeyspaceNames } from "./keyspaces";

export function ResultGrid({ result }: { result: CqlResult }) {
  if (result.kind !== "rows") return null;
  return (
    <div class="grid-wrap">
      <table class="grid results" data-testid="result-grid">
        <thead><tr>{result.columns!.map((c) => <th key={c.name} title={c.type}>{c.name}</th>)}</tr></thead>
        <tbody>
          {result.rows!.map((row, i) => (
            <tr key={i}>{row.map((v, j) => <td key={j} class={v === null ? "null" : ""}>{v ?? "null"}</td>)}</tr>
          ))}
          {result.rows!.length === 0 ? <tr><td colSpan={result.columns!.length} class="muted">No rows.</td></tr> : null}
        </tbody>
      </table>
    </div>
  );
}

interface HistoryEntry { query: string; keyspace: string; outcome: string }

let history: HistoryEntry[] = [];  // this page session only; never stored

export function CqlEditor() {
  const [keyspaces] = useKeyspaceNames();
  const [keyspace, setKeyspace] = useState("");
  const [text, setText] = useState("SELECT * FROM system.local");
  const [result, setResult] = useState<CqlResult>();
  const [pages, setPages] = useState<(string | null)[]>([null]);  // paging states of pages seen
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [, setTick] = useState(0);

  const run = async (query: string, paging: string | null, pageIndex: number) => {
    setBusy(true);
    setError(undefined);
    try {
      const r = await cql(query, { keyspace, page_size: 50, paging_state: paging });
      setResult(r);
      if (r.kind === "keyspace") setKeyspace(r.keyspace);
      const next = pages.slice(0, pageIndex + 1);
      next[pageIndex] = paging;
      setPages(next);
      if (pageIndex === 0) {
        history = [{ query, keyspace, outcome: r.kind === "rows" ? `${r.rows!.length} rows` : "OK" },
                   ...history].slice(0, 50);
      }
    } catch (err) {
      setResult(undefined);
      setError(err);
      const e = err as ApiError;
      if (pageIndex === 0) history = [{ query, keyspace, outcome: `${e.code}` }, ...history].slice(0, 50);
    } finally {
      setBusy(false);
      setTick((t) => t + 1);
    }
  };
  const pageIndex = pages.length - 1;
  return (
    <section>
      <h1>CQL editor</h1>
      <div class="editor-bar">
        <label>Keyspace
          <select value={keyspace} onChange={(e) => setKeyspace((e.target as HTMLSelectElement).value)}>
            <option value="">(none)</option>
            {(keyspaces || []).map((k) => <option key={k} value={k}>{k}</option>)}
          </select>
        </label>
        <span class="muted small">Ctrl+Enter runs the statement. One statement at a time.</span>
      </div>
      <textarea class="code" rows={6} aria-label="CQL statement" name="cql" value={text} spellcheck={false}
                onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
                onKeyDown={(e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) run(text, null, 0); }} />
      <div class="actions left">
        <button onClick={() => run(text, null, 0)} disabled={busy}>{busy ? "Running…" : "Run"}</button>
      </div>
      <div data-testid="cql-error"><ErrorBanner error={error} /></div>
      {result && result.kind !== "rows" ? (
        <p class="ok" data-testid="cql-ok">
          {result.kind === "schema_change" ? `${result.change!.type} ${result.change!.target} ` +
            `${result.change!.keyspace}${result.change!.name ? "." + result.change!.name : ""}` :
           result.kind === "keyspace" ? `Now using keyspace ${result.keyspace}` : "Done."}
        </p>
      ) : null}
      {result ? <ResultGrid result={result} /> : null}
      {result?.kind === "rows" ? (
        <div class="pager">
          <button class="secondary" disabled={pageIndex === 0 || busy}
                  onClick={() => { const p = pages.slice(0, -1); setPages(p); run(text, p[p.length - 1], p.length - 1); }}>
            Previous page</button>
          <span>Page {pageIndex + 1}</span>
          <button class="secondary" disabled={!result.paging_state || busy}
                  onClick={() => run(text, result.paging_state!, pageIndex + 1)}>Next page</button>
        </div>
      ) : null}
      <h2>History</h2>
      {history.length === 0 ? <p class="muted">Statements you run appear here.</p> : (
        <ul class="history">
          {history.map((h, i) => (
            <li key={i}><button class="link mono" onClick={() => { setText(h.query); setKeyspace(h.keyspace); }}>
              {h.query}</button> <span class="muted small">{h.outcome}</span></li>
          ))}
        </ul>
      )}
    </section>
  );
}
