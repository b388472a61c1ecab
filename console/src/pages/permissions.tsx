// A user's permissions: attached managed policies, inline policies in a JSON editor (IAM's
// MalformedPolicyDocument shown where it happens), groups, and a policy simulation.
import { useRef, useState } from "preact/hooks";
import { iam } from "../api";
import { Dialog, ErrorBanner, Loading, SuccessBanner, useLoad } from "../components";

const EXAMPLE = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: ["cassandra:Select"], Resource: "*" }],
}, null, 2);

export function Permissions({ user, arn }: { user: string; arn: string }) {
  return (
    <>
      <ManagedPolicies user={user} />
      <InlinePolicies user={user} />
      <Groups user={user} />
      <Simulation arn={arn} />
    </>
  );
}

function ManagedPolicies({ user }: { user: string }) {
  const [attached, error, reload] = useLoad(
    () => iam("ListAttachedUserPolicies", { UserName: user }).then((r) => r.AttachedPolicies), [user]);
  const [picking, setPicking] = useState(false);
  const [actionError, setActionError] = useState<unknown>();
  const [done, setDone] = useState<string>();
  const detach = async (arn: string, name: string) => {
    setActionError(undefined);
    setDone(undefined);
    try {
      await iam("DetachUserPolicy", { UserName: user, PolicyArn: arn });
      setDone(`Policy ${name} was detached from ${user}.`);
      reload();
    } catch (err) {
      setActionError(err);
    }
  };
  return (
    <div class="panel">
      <div class="panel-head"><h2>Managed policies</h2>
        <button onClick={() => { setDone(undefined); setPicking(true); }}>Attach policies</button></div>
      <SuccessBanner message={done} onDismiss={() => setDone(undefined)} />
      <ErrorBanner error={error || actionError} />
      {!attached && !error ? <Loading /> : (
        <table class="grid">
          <thead><tr><th>Policy</th><th>ARN</th><th /></tr></thead>
          <tbody>
            {(attached || []).map((p: any) => (
              <tr key={p.PolicyArn}><td>{p.PolicyName}</td><td class="mono small">{p.PolicyArn}</td>
                <td><button class="secondary danger" onClick={() => detach(p.PolicyArn, p.PolicyName)}
                            aria-label={`Detach ${p.PolicyName}`}>Detach</button></td></tr>
            ))}
            {attached && attached.length === 0 ? <tr><td colSpan={3} class="muted">None attached.</td></tr> : null}
          </tbody>
        </table>
      )}
      {picking ? <AttachDialog user={user} attached={(attached || []).map((p: any) => p.PolicyArn)}
                               onClose={() => { setPicking(false); reload(); }}
                               onAttached={(message, err) => {
                                 setDone(message);
                                 setActionError(err);
                                 setPicking(false);
                                 reload();
                               }} /> : null}
    </div>
  );
}

interface PolicyChoice { PolicyName: string; Arn: string; Description?: string }

// "Attach policies" as in the AWS console (issue 10 item 24): nothing is attached by a click on
// a name. Step 1 selects one or more policies with checkboxes (a click on the name ticks its box),
// with a filter; "Next" stays disabled until something is selected. Step 2 reviews the selection
// and attaches it with "Attach policies". The panel then names what was attached (or, when one
// attach fails, what was attached before it and the error).
function AttachDialog({ user, attached, onClose, onAttached }: {
  user: string; attached: string[]; onClose: () => void;
  onAttached: (message: string | undefined, error: unknown) => void;
}) {
  const [policies, error] = useLoad<PolicyChoice[]>(
    () => iam("ListPolicies", { Scope: "All" }).then((r) => r.Policies));
  const [filter, setFilter] = useState("");
  const [selected, setSelected] = useState<string[]>([]);
  const [reviewing, setReviewing] = useState(false);
  const [busy, setBusy] = useState(false);
  const toggle = (arn: string) =>
    setSelected((s) => (s.includes(arn) ? s.filter((a) => a !== arn) : [...s, arn]));
  const chosen = (policies || []).filter((p) => selected.includes(p.Arn));
  const shown = (policies || []).filter((p) => {
    const f = filter.toLowerCase();
    return p.PolicyName.toLowerCase().includes(f) || (p.Description || "").toLowerCase().includes(f);
  });
  const attach = async () => {
    setBusy(true);
    const done: string[] = [];
    let failure: any;
    for (const p of chosen) {
      try {
        await iam("AttachUserPolicy", { UserName: user, PolicyArn: p.Arn });
        done.push(p.PolicyName);
      } catch (err: any) {
        failure = err;
        if (err && err.message) err.message = `${p.PolicyName}: ${err.message}`;
        break;
      }
    }
    setBusy(false);
    const names = done.join(", ");
    const message = done.length === 0 ? undefined
      : done.length === 1 ? `Policy ${names} was attached to ${user}.`
      : `${done.length} policies were attached to ${user}: ${names}.`;
    onAttached(message, failure);
  };
  if (reviewing) {
    return (
      <Dialog title="Review and attach policies" onClose={onClose}>
        <p>These {chosen.length === 1 ? "policy" : `${chosen.length} policies`} will be attached
          to <strong>{user}</strong>. The user gets their permissions at once.</p>
        <table class="grid" data-testid="attach-review">
          <thead><tr><th>Policy name</th><th>ARN</th></tr></thead>
          <tbody>
            {chosen.map((p) => (
              <tr key={p.Arn}><td>{p.PolicyName}</td><td class="mono small">{p.Arn}</td></tr>
            ))}
          </tbody>
        </table>
        <div class="actions">
          <button type="button" class="secondary" onClick={onClose}>Cancel</button>
          <button type="button" class="secondary" onClick={() => setReviewing(false)}>Previous</button>
          <button type="button" disabled={busy || chosen.length === 0} onClick={attach}>
            {busy ? "Attaching…" : "Attach policies"}</button>
        </div>
      </Dialog>
    );
  }
  return (
    <Dialog title="Attach policies" onClose={onClose}>
      <p class="muted small">Select one or more policies for <strong>{user}</strong>, then choose
        Next to review them. Nothing is attached until you confirm.</p>
      <input type="search" placeholder="Filter policies" aria-label="Filter policies" value={filter}
             onInput={(e) => setFilter((e.target as HTMLInputElement).value)} />
      <ErrorBanner error={error} />
      {!policies && !error ? <Loading /> : (
        <div class="pick-wrap">
          <table class="grid pick-table">
            <thead><tr><th><span class="muted small">Select</span></th><th>Policy name</th><th>Description</th></tr></thead>
            <tbody>
              {shown.map((p) => {
                const already = attached.includes(p.Arn);
                const id = `pick-${p.Arn}`;
                return (
                  <tr key={p.Arn}>
                    <td><input type="checkbox" id={id} checked={already || selected.includes(p.Arn)}
                               disabled={already} onChange={() => toggle(p.Arn)} /></td>
                    <td><label for={id}>{p.PolicyName}</label>
                      {already ? <span class="muted small"> (attached)</span> : null}</td>
                    <td class="muted small">{p.Description || p.Arn}</td>
                  </tr>
                );
              })}
              {shown.length === 0 ? <tr><td colSpan={3} class="muted">No policy matches.</td></tr> : null}
            </tbody>
          </table>
        </div>
      )}
      <p class="muted small" data-testid="attach-selected-count">
        {selected.length === 0 ? "No policy selected." : `${selected.length} selected: ${chosen.map((p) => p.PolicyName).join(", ")}`}</p>
      <div class="actions">
        <button type="button" class="secondary" onClick={onClose}>Cancel</button>
        <button type="button" disabled={selected.length === 0} onClick={() => setReviewing(true)}>Next</button>
      </div>
    </Dialog>
  );
}

function InlinePolicies({ user }: { user: string }) {
  const [names, error, reload] = useLoad(
    () => iam("ListUserPolicies", { UserName: user }).then((r) => r.PolicyNames as string[]), [user]);
  const [editing, setEditing] = useState<{ name: string; document: string; isNew: boolean }>();
  const [actionError, setActionError] = useState<unknown>();
  const open = async (name: string) => {
    try {
      const r = await iam("GetUserPolicy", { UserName: user, PolicyName: name });
      setEditing({ name, document: JSON.stringify(r.PolicyDocument, null, 2), isNew: false });
    } catch (err) {
      setActionError(err);
    }
  };
  const remove = async (name: string) => {
    try {
      await iam("DeleteUserPolicy", { UserName: user, PolicyName: name });
      reload();
    } catch (err) {
      setActionError(err);
    }
  };
  return (
    <div class="panel">
      <div class="panel-head"><h2>Inline policies</h2>
        <button onClick={() => setEditing({ name: "", document: EXAMPLE, isNew: true })}>Add inline policy</button>
      </div>
      <ErrorBanner error={error || actionError} />
      {!names && !error ? <Loading /> : (
        <table class="grid">
          <thead><tr><th>Policy name</th><th /></tr></thead>
          <tbody>
            {(names || []).map((n) => (
              <tr key={n}><td>{n}</td><td class="row-actions">
                <button class="secondary" onClick={() => open(n)}>Edit</button>
                <button class="secondary danger" onClick={() => remove(n)}>Delete</button></td></tr>
            ))}
            {names && names.length === 0 ? <tr><td colSpan={2} class="muted">No inline policies.</td></tr> : null}
          </tbody>
        </table>
      )}
      {editing ? <PolicyEditor user={user} initial={editing}
                               onClose={() => { setEditing(undefined); reload(); }} /> : null}
    </div>
  );
}

function PolicyEditor({ user, initial, onClose }: {
  user: string; initial: { name: string; document: string; isNew: boolean }; onClose: () => void;
}) {
  const [name, setName] = useState(initial.name);
  const [document, setDocument] = useState(initial.document);
  const [error, setError] = useState<any>();
  const editor = useRef<HTMLTextAreaElement>(null);
  const save = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    try {
      await iam("PutUserPolicy", { UserName: user, PolicyName: name, PolicyDocument: document });
      onClose();
    } catch (err: any) {
      setError(err);
      showFault(err.message || "");
    }
  };
  // Puts the cursor where IAM says the document is wrong ("at line 3, column 5"), or on the
  // statement it names ("Statement 2: ...").
  const showFault = (message: string) => {
    const area = editor.current;
    if (!area) return;
    let offset = -1;
    const at = /line (\d+), column (\d+)/.exec(message);
    if (at) {
      const lines = document.split("\n").slice(0, Number(at[1]) - 1);
      offset = lines.reduce((n, l) => n + l.length + 1, 0) + Number(at[2]) - 1;
    } else {
      const statement = /Statement (\d+)/.exec(message);
      if (statement) {
        let seen = 0;
        let depth = 0;
        for (let i = document.indexOf("[", document.indexOf('"Statement"')); i >= 0 && i < document.length; ++i) {
          if (document[i] === "{" && depth++ === 0 && ++seen === Number(statement[1])) { offset = i; break; }
          if (document[i] === "}") depth--;
        }
      }
    }
    if (offset >= 0) {
      area.focus();
      area.setSelectionRange(offset, Math.min(offset + 1, document.length));
    }
  };
  return (
    <Dialog title={initial.isNew ? "Add inline policy" : `Edit ${initial.name}`} onClose={onClose}>
      <form onSubmit={save}>
        <label>Policy name
          <input name="policy_name" value={name} disabled={!initial.isNew} required
                 onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        </label>
        <label>Policy document (JSON)
          <textarea name="policy_document" ref={editor} class={`code ${error ? "invalid" : ""}`} rows={14}
                    spellcheck={false} value={document} aria-invalid={!!error}
                    aria-describedby="policy-error"
                    onInput={(e) => setDocument((e.target as HTMLTextAreaElement).value)} />
        </label>
        <div id="policy-error"><ErrorBanner error={error} /></div>
        <div class="actions">
          <button type="button" class="secondary" onClick={onClose}>Cancel</button>
          <button type="submit">Save policy</button>
        </div>
      </form>
    </Dialog>
  );
}

function Groups({ user }: { user: string }) {
  const [groups, error] = useLoad(
    () => iam("ListGroupsForUser", { UserName: user }).then((r) => r.Groups), [user]);
  return (
    <div class="panel">
      <div class="panel-head"><h2>Groups</h2></div>
      <ErrorBanner error={error} />
      {groups ? (groups.length ? <ul>{groups.map((g: any) => <li key={g.GroupName}>{g.GroupName}</li>)}</ul>
                               : <p class="muted">Not in any group.</p>) : null}
    </div>
  );
}

function Simulation({ arn }: { arn: string }) {
  const [action, setAction] = useState("cassandra:Select");
  const [resource, setResource] = useState("*");
  const [result, setResult] = useState<any>();
  const [error, setError] = useState<unknown>();
  const run = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    try {
      const r = await iam("SimulatePrincipalPolicy", {
        PolicySourceArn: arn, ActionNames: [action], ResourceArns: [resource] });
      setResult(r.EvaluationResults[0]);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <div class="panel">
      <div class="panel-head"><h2>Simulate</h2></div>
      <form onSubmit={run} class="inline-form">
        <label>Action<input name="sim_action" value={action}
                            onInput={(e) => setAction((e.target as HTMLInputElement).value)} /></label>
        <label>Resource ARN<input name="sim_resource" class="wide" value={resource}
                                  onInput={(e) => setResource((e.target as HTMLInputElement).value)} /></label>
        <button type="submit">Simulate</button>
      </form>
      <ErrorBanner error={error} />
      {result ? (
        <p data-testid="simulation-result">
          <span class={`badge ${result.EvalDecision}`}>{result.EvalDecision}</span>{" "}
          {result.EvalActionName} on {result.EvalResourceName}
          {result.MatchedStatements.length ? ` — decided by ${result.MatchedStatements
            .map((m: any) => `${m.SourcePolicyId} (${m.SourcePolicyType})`).join(", ")}` : ""}
        </p>
      ) : null}
    </div>
  );
}
