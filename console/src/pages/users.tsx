// IAM users: search, sort, create (optionally with a console password), delete.
import { useState } from "preact/hooks";
import { iam } from "../api";
import { Dialog, ErrorBanner, Loading, formatDate, useLoad } from "../components";

interface User { UserName: string; UserId: string; Arn: string; CreateDate: string;
                 PasswordLastUsed?: string }

export function Users() {
  const [users, error, reload] = useLoad(async () => {
    const all: User[] = [];
    let marker: string | undefined;
    do {
      const page = await iam("ListUsers", marker ? { Marker: marker } : {});
      all.push(...page.Users);
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);
    return all;
  });
  const [search, setSearch] = useState("");
  const [sort, setSort] = useState<{ key: "UserName" | "CreateDate"; up: boolean }>(
    { key: "UserName", up: true });
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<string>();

  const shown = (users || [])
    .filter((u) => u.UserName.toLowerCase().includes(search.toLowerCase()))
    .sort((a, b) => (a[sort.key] < b[sort.key] ? -1 : a[sort.key] > b[sort.key] ? 1 : 0) *
                    (sort.up ? 1 : -1));
  const header = (key: "UserName" | "CreateDate", label: string) => (
    <th aria-sort={sort.key === key ? (sort.up ? "ascending" : "descending") : "none"}>
      <button class="link" onClick={() => setSort({ key, up: sort.key === key ? !sort.up : true })}>
        {label}{sort.key === key ? (sort.up ? " ▲" : " ▼") : ""}
      </button>
    </th>
  );
  return (
    <section>
      <div class="page-head">
        <h1>Users</h1>
        <button onClick={() => setCreating(true)}>Create user</button>
      </div>
      <ErrorBanner error={error} />
      <input type="search" placeholder="Find users by name" aria-label="Find users by name"
             value={search} onInput={(e) => setSearch((e.target as HTMLInputElement).value)} />
      {error ? null : !users ? <Loading /> : (
        <table class="grid">
          <thead><tr>{header("UserName", "User name")}<th>ARN</th>{header("CreateDate", "Created")}
            <th>Console sign-in</th><th /></tr></thead>
          <tbody>
            {shown.map((u) => (
              <tr key={u.UserId}>
                <td><a href={`#/users/${encodeURIComponent(u.UserName)}`}>{u.UserName}</a></td>
                <td class="mono small">{u.Arn}</td>
                <td>{formatDate(u.CreateDate)}</td>
                <td>{u.PasswordLastUsed ? formatDate(u.PasswordLastUsed) : "-"}</td>
                <td><button class="danger secondary" onClick={() => setDeleting(u.UserName)}
                            aria-label={`Delete ${u.UserName}`}>Delete</button></td>
              </tr>
            ))}
            {shown.length === 0 ? <tr><td colSpan={5} class="muted">No users.</td></tr> : null}
          </tbody>
        </table>
      )}
      {creating ? <CreateUser onDone={() => { setCreating(false); reload(); }} /> : null}
      {deleting ? <DeleteUser name={deleting} onDone={() => { setDeleting(undefined); reload(); }} /> : null}
    </section>
  );
}

function CreateUser({ onDone }: { onDone: () => void }) {
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [resetRequired, setResetRequired] = useState(true);
  const [error, setError] = useState<unknown>();
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      await iam("CreateUser", { UserName: name });
      if (password) {
        await iam("CreateLoginProfile", { UserName: name, Password: password,
                                          PasswordResetRequired: resetRequired });
        // As the AWS console does: a user who must choose a new password may do so.
        if (resetRequired) {
          await iam("AttachUserPolicy", { UserName: name,
                                          PolicyArn: "arn:aws:iam::aws:policy/IAMUserChangePassword" });
        }
      }
      location.hash = `#/users/${encodeURIComponent(name)}`;
      onDone();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Dialog title="Create user" onClose={onDone}>
      <form onSubmit={submit}>
        <label>User name
          <input name="user_name" value={name} required maxLength={64}
                 onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        </label>
        <p class="muted small">Up to 64 characters: letters, digits and + = , . @ _ -</p>
        <label>Console password (optional)
          <input name="console_password" type="password" value={password} autoComplete="new-password"
                 onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
        </label>
        {password ? (
          <label class="check"><input type="checkbox" name="reset_required" checked={resetRequired}
            onChange={(e) => setResetRequired((e.target as HTMLInputElement).checked)} /> User must
            create a new password at next sign-in (attaches IAMUserChangePassword)</label>
        ) : null}
        <ErrorBanner error={error} />
        <div class="actions">
          <button type="button" class="secondary" onClick={onDone}>Cancel</button>
          <button type="submit">Create user</button>
        </div>
      </form>
    </Dialog>
  );
}

function DeleteUser({ name, onDone }: { name: string; onDone: () => void }) {
  const [error, setError] = useState<any>();
  const remove = async () => {
    try {
      await iam("DeleteUser", { UserName: name });
      onDone();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Dialog title={`Delete ${name}?`} onClose={onDone}>
      <p>The user is deleted for good. IAM refuses while the user still has access keys,
        Keyspaces credentials, a console password, policies or groups.</p>
      <ErrorBanner error={error} />
      {error?.code === "DeleteConflict" ? (
        <p class="hint">Open <a href={`#/users/${encodeURIComponent(name)}`} onClick={onDone}>{name}</a>,
          remove what the message names, then delete again.</p>
      ) : null}
      <div class="actions">
        <button class="secondary" onClick={onDone}>Cancel</button>
        <button class="danger" onClick={remove}>Delete user</button>
      </div>
    </Dialog>
  );
}
