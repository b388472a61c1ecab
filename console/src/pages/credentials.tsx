// A user's credentials: console password, access keys, and "Credentials for Amazon Keyspaces
// (for Apache Cassandra)" — passwords and secrets are shown once, in a dialog, with copy and
// download, and never kept after the dialog closes.
import { useState } from "preact/hooks";
import { iam } from "../api";
import { ConfirmDialog, CopyButton, Dialog, ErrorBanner, Loading, SuccessBanner, csvField, download,
         formatDate, useLoad } from "../components";

const SERVICE = "cassandra.amazonaws.com";
const MAX_CREDENTIALS = 2;

export function ConsolePassword({ user }: { user: string }) {
  const [profile, error, reload] = useLoad(
    () => iam("GetLoginProfile", { UserName: user }).then((r) => r.LoginProfile)
      .catch((e) => (e.code === "NoSuchEntity" ? null : Promise.reject(e))), [user]);
  const [editing, setEditing] = useState(false);
  const [password, setPassword] = useState("");
  const [actionError, setActionError] = useState<unknown>();
  const save = async (e: Event) => {
    e.preventDefault();
    try {
      await iam(profile ? "UpdateLoginProfile" : "CreateLoginProfile",
                { UserName: user, Password: password });
      setEditing(false);
      setPassword("");
      reload();
    } catch (err) {
      setActionError(err);
    }
  };
  const remove = async () => {
    try {
      await iam("DeleteLoginProfile", { UserName: user });
      reload();
    } catch (err) {
      setActionError(err);
    }
  };
  return (
    <div class="panel">
      <div class="panel-head"><h2>Console sign-in</h2>
        <div>
          <button class="secondary" onClick={() => setEditing(true)}>
            {profile ? "Change password" : "Enable console access"}</button>
          {profile ? <button class="secondary danger" onClick={remove}>Disable</button> : null}
        </div>
      </div>
      <ErrorBanner error={error || actionError} />
      {profile === undefined && !error ? <Loading /> : null}
      {profile === null ? <p class="muted">This user has no console password.</p> : null}
      {profile ? <p>Console password set {formatDate(profile.CreateDate)}.</p> : null}
      {editing ? (
        <Dialog title="Console password" onClose={() => setEditing(false)}>
          <form onSubmit={save}>
            <label>New password (at least 8 characters)
              <input type="password" name="new_password" autoComplete="new-password" value={password}
                     onInput={(e) => setPassword((e.target as HTMLInputElement).value)} required />
            </label>
            <ErrorBanner error={actionError} />
            <div class="actions">
              <button type="button" class="secondary" onClick={() => setEditing(false)}>Cancel</button>
              <button type="submit">Save password</button>
            </div>
          </form>
        </Dialog>
      ) : null}
    </div>
  );
}

export function AccessKeys({ user }: { user: string }) {
  const [keys, error, reload] = useLoad(
    () => iam("ListAccessKeys", { UserName: user }).then((r) => r.AccessKeyMetadata), [user]);
  const [created, setCreated] = useState<any>();
  const [actionError, setActionError] = useState<unknown>();
  const [done, setDone] = useState<string>();
  // The key a confirmation dialog is open for (issue 10 item 25).
  const [confirming, setConfirming] = useState<{ kind: "deactivate" | "delete"; id: string }>();
  const [dialogError, setDialogError] = useState<unknown>();
  const act = async (action: string, params: Record<string, string>, message?: string,
                     inDialog = false) => {
    setActionError(undefined);
    setDialogError(undefined);
    setDone(undefined);
    try {
      const r = await iam(action, { UserName: user, ...params });
      if (action === "CreateAccessKey") setCreated(r.AccessKey);
      setDone(message);
      reload();
      return true;
    } catch (err) {
      (inDialog ? setDialogError : setActionError)(err);
      return false;
    }
  };
  const full = (keys || []).length >= 2;
  return (
    <div class="panel" data-testid="access-keys">
      <div class="panel-head"><h2>Access keys</h2>
        <button onClick={() => act("CreateAccessKey", {})} disabled={full}
                title={full ? "A user can have at most 2 access keys. Delete one first." : ""}>
          Create access key</button>
      </div>
      {full ? <p class="hint">A user can have at most 2 access keys; delete one to create another.</p> : null}
      <SuccessBanner message={done} onDismiss={() => setDone(undefined)} />
      <ErrorBanner error={error || actionError} />
      {!keys && !error ? <Loading /> : (
        <table class="grid">
          <thead><tr><th>Access key ID</th><th>Status</th><th>Created</th><th>Actions</th></tr></thead>
          <tbody>
            {(keys || []).map((k: any) => (
              <tr key={k.AccessKeyId}>
                <td class="mono">{k.AccessKeyId}</td>
                <td><span class={`badge ${k.Status}`}>{k.Status}</span></td>
                <td>{formatDate(k.CreateDate)}</td>
                <td class="row-actions">
                  <button class="secondary" onClick={() => {
                    setDialogError(undefined);
                    if (k.Status === "Active") {
                      setConfirming({ kind: "deactivate", id: k.AccessKeyId });
                    } else {
                      act("UpdateAccessKey", { AccessKeyId: k.AccessKeyId, Status: "Active" },
                          `Access key ${k.AccessKeyId} is active again: it can sign requests.`);
                    }
                  }}>{k.Status === "Active" ? "Make inactive" : "Make active"}</button>
                  <button class="secondary danger"
                          onClick={() => { setDialogError(undefined); setConfirming({ kind: "delete", id: k.AccessKeyId }); }}>
                    Delete</button>
                </td>
              </tr>
            ))}
            {keys && keys.length === 0 ? <tr><td colSpan={4} class="muted">No access keys.</td></tr> : null}
          </tbody>
        </table>
      )}
      {confirming?.kind === "deactivate" ? (
        <ConfirmDialog title="Make access key inactive?" confirmLabel="Make inactive"
                       error={dialogError} onClose={() => setConfirming(undefined)}
                       onConfirm={() => act("UpdateAccessKey", { AccessKeyId: confirming.id, Status: "Inactive" },
                         `Access key ${confirming.id} is now inactive: it can no longer be used to sign requests or CQL logins.`, true)}>
          <p>Access key <code>{confirming.id}</code> can no longer be used to sign in: AWS API
            and CLI requests and SigV4 CQL logins signed with it are refused until you make it
            active again. Nothing is deleted.</p>
        </ConfirmDialog>
      ) : null}
      {confirming?.kind === "delete" ? (
        <ConfirmDialog title="Delete access key?" confirmLabel="Delete" danger
                       confirmText={confirming.id} confirmField="Access key ID"
                       error={dialogError} onClose={() => setConfirming(undefined)}
                       onConfirm={() => act("DeleteAccessKey", { AccessKeyId: confirming.id },
                         `Access key ${confirming.id} was deleted.`, true)}>
          <p>Requests signed with <code>{confirming.id}</code> will be refused, and the key
            cannot be restored (making it inactive instead keeps it for later). To confirm, type
            the access key ID.</p>
        </ConfirmDialog>
      ) : null}
      {created ? (
        <Dialog title="Access key created" onClose={() => setCreated(undefined)}>
          <p class="warning">This is the only time the secret access key can be seen. Copy it or
            download it now; it cannot be shown again.</p>
          <dl class="secret">
            <dt>Access key ID</dt><dd><code data-testid="access-key-id">{created.AccessKeyId}</code>
              <CopyButton text={created.AccessKeyId} label="Copy access key ID" /></dd>
            <dt>Secret access key</dt><dd><code data-testid="secret-access-key">{created.SecretAccessKey}</code>
              <CopyButton text={created.SecretAccessKey} label="Copy secret access key" /></dd>
          </dl>
          <div class="actions">
            <button class="secondary" onClick={() => download(`${user}_accessKeys.csv`,
              `Access key ID,Secret access key\n${csvField(created.AccessKeyId)},${csvField(created.SecretAccessKey)}\n`)}>
              Download .csv file</button>
            <button onClick={() => setCreated(undefined)}>Done</button>
          </div>
        </Dialog>
      ) : null}
    </div>
  );
}

interface Credential { ServiceSpecificCredentialId: string; ServiceUserName: string;
                       Status: string; CreateDate: string; UserName: string }

export function KeyspacesCredentials({ user }: { user: string }) {
  const [creds, error, reload] = useLoad<Credential[]>(
    () => iam("ListServiceSpecificCredentials", { UserName: user, ServiceName: SERVICE })
      .then((r) => r.ServiceSpecificCredentials), [user]);
  const [shown, setShown] = useState<{ title: string; cred: any }>();
  const [resetting, setResetting] = useState<Credential>();
  const [deleting, setDeleting] = useState<Credential>();
  const [deactivating, setDeactivating] = useState<Credential>();
  const [actionError, setActionError] = useState<unknown>();
  const [dialogError, setDialogError] = useState<unknown>();
  const [done, setDone] = useState<string>();
  // `message` is the confirmation shown once the action succeeded (issue 10 item 25); an error
  // goes to the dialog that asked for the action when there is one, else to the panel.
  const act = async (action: string, params: Record<string, string>, message?: string,
                     inDialog = false) => {
    setActionError(undefined);
    setDialogError(undefined);
    setDone(undefined);
    try {
      const r = await iam(action, { UserName: user, ...params });
      if (r.ServiceSpecificCredential) {
        setShown({ title: action.startsWith("Create") ? "Credentials generated" : "Password reset",
                   cred: r.ServiceSpecificCredential });
      }
      setDone(message);
      reload();
      return true;
    } catch (err) {
      (inDialog ? setDialogError : setActionError)(err);
      return false;
    }
  };
  const named = (c: Credential) => `${c.ServiceSpecificCredentialId} (${c.ServiceUserName})`;
  const full = (creds || []).length >= MAX_CREDENTIALS;
  return (
    <div class="panel" data-testid="keyspaces-credentials">
      <div class="panel-head"><h2>Credentials for Amazon Keyspaces (for Apache Cassandra)</h2>
        <button onClick={() => act("CreateServiceSpecificCredential", { ServiceName: SERVICE })}
                disabled={full}>Generate credentials</button>
      </div>
      <p class="muted small">A user name and password that let this user into the CQL endpoint
        (cqlsh, drivers) and nowhere else. They carry the user's IAM permissions.</p>
      {full ? <p class="hint" role="note">This user already has {MAX_CREDENTIALS} Keyspaces
        credentials, the most IAM allows per user and service. Delete one (or reset its password)
        to get a new password.</p> : null}
      <SuccessBanner message={done} onDismiss={() => setDone(undefined)} />
      <ErrorBanner error={error || actionError} />
      {!creds && !error ? <Loading /> : (
        <table class="grid">
          <thead><tr><th>Credential ID</th><th>User name</th><th>Status</th><th>Created</th><th>Actions</th></tr></thead>
          <tbody>
            {(creds || []).map((c) => (
              <tr key={c.ServiceSpecificCredentialId}>
                <td class="mono">{c.ServiceSpecificCredentialId}</td>
                <td class="mono">{c.ServiceUserName}</td>
                <td><span class={`badge ${c.Status}`}>{c.Status}</span></td>
                <td>{formatDate(c.CreateDate)}</td>
                <td class="row-actions">
                  <button class="secondary" onClick={() => setResetting(c)}>Reset password</button>
                  <button class="secondary" onClick={() => {
                    setDialogError(undefined);
                    if (c.Status === "Active") {
                      setDeactivating(c);
                    } else {
                      act("UpdateServiceSpecificCredential", {
                        ServiceSpecificCredentialId: c.ServiceSpecificCredentialId, Status: "Active" },
                        `Credential ${named(c)} is active again: it can be used to sign in.`);
                    }
                  }}>{c.Status === "Active" ? "Make inactive" : "Make active"}</button>
                  <a class="button secondary" href={`#/connect/${encodeURIComponent(c.ServiceUserName)}`}>Connect</a>
                  <button class="secondary danger"
                          onClick={() => { setDialogError(undefined); setDeleting(c); }}>Delete</button>
                </td>
              </tr>
            ))}
            {creds && creds.length === 0 ? <tr><td colSpan={5} class="muted">No Keyspaces credentials.</td></tr> : null}
          </tbody>
        </table>
      )}
      {shown ? <ShowOnce title={shown.title} cred={shown.cred} onClose={() => setShown(undefined)} /> : null}
      {resetting ? (
        <Dialog title="Reset password?" onClose={() => setResetting(undefined)}>
          <p>A new password is generated for <code>{resetting.ServiceUserName}</code>. The current
            password stops working at once; applications using it must be given the new one.</p>
          <div class="actions">
            <button class="secondary" onClick={() => setResetting(undefined)}>Cancel</button>
            <button onClick={async () => {
              const id = resetting.ServiceSpecificCredentialId;
              setResetting(undefined);
              await act("ResetServiceSpecificCredential", { ServiceSpecificCredentialId: id });
            }}>Reset password</button>
          </div>
        </Dialog>
      ) : null}
      {deactivating ? (
        <ConfirmDialog title="Make credential inactive?" confirmLabel="Make inactive"
                       error={dialogError} onClose={() => setDeactivating(undefined)}
                       onConfirm={() => act("UpdateServiceSpecificCredential", {
                         ServiceSpecificCredentialId: deactivating.ServiceSpecificCredentialId,
                         Status: "Inactive" },
                         `Credential ${named(deactivating)} is now inactive: it can no longer be used to sign in.`,
                         true)}>
          <p>The credential <code>{deactivating.ServiceSpecificCredentialId}</code> can no longer be
            used to sign in: CQL logins as <code>{deactivating.ServiceUserName}</code> with its
            password are refused (cqlsh, drivers, applications) until you make it active again.
            Nothing is deleted, and the password does not change.</p>
        </ConfirmDialog>
      ) : null}
      {deleting ? (
        <ConfirmDialog title="Delete Keyspaces credentials?" confirmLabel="Delete" danger
                       confirmText={deleting.ServiceSpecificCredentialId} confirmField="Credential ID"
                       error={dialogError} onClose={() => setDeleting(undefined)}
                       onConfirm={() => act("DeleteServiceSpecificCredential",
                         { ServiceSpecificCredentialId: deleting.ServiceSpecificCredentialId },
                         `Credential ${named(deleting)} was deleted.`, true)}>
          <p>Applications that log in as <code>{deleting.ServiceUserName}</code> with this
            credential will be refused. This cannot be undone. To confirm, type the credential
            ID <code>{deleting.ServiceSpecificCredentialId}</code>.</p>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}

function ShowOnce({ title, cred, onClose }: { title: string; cred: any; onClose: () => void }) {
  return (
    <Dialog title={title} onClose={onClose}>
      <p class="warning">This is the only time the password can be seen. Copy it or download the
        credentials now: it cannot be retrieved later (only reset).</p>
      <dl class="secret">
        <dt>User name</dt><dd><code data-testid="service-user-name">{cred.ServiceUserName}</code>
          <CopyButton text={cred.ServiceUserName} label="Copy user name" /></dd>
        <dt>Password</dt><dd><code data-testid="service-password">{cred.ServicePassword}</code>
          <CopyButton text={cred.ServicePassword} label="Copy password" /></dd>
      </dl>
      <div class="actions">
        <button class="secondary" onClick={() => download(`${cred.UserName}-keyspaces-credentials.csv`,
          `Username,Password\n${csvField(cred.ServiceUserName)},${csvField(cred.ServicePassword)}\n`)}>
          Download credentials</button>
        <button onClick={onClose}>Close</button>
      </div>
    </Dialog>
  );
}
