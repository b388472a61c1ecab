// Sign in as an IAM user with a console password, or with an access key (the root key).
import { useState } from "preact/hooks";
import { Principal, iam, signIn } from "../api";
import { ErrorBanner } from "../components";

export function SignIn({ onSignedIn }: { onSignedIn: (p: Principal) => void }) {
  const [kind, setKind] = useState<"password" | "key">("password");
  const [first, setFirst] = useState("");
  const [secret, setSecret] = useState("");
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onSignedIn(await signIn(kind === "password"
        ? { kind, user_name: first, password: secret }
        : { kind, access_key_id: first, secret_access_key: secret }));
    } catch (err) {
      setError(err);
      setSecret("");
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="signin">
      <h1>Sign in to Sibyl</h1>
      <div class="tabs" role="tablist">
        <button role="tab" aria-selected={kind === "password"} class={kind === "password" ? "tab active" : "tab"}
                onClick={() => setKind("password")}>IAM user</button>
        <button role="tab" aria-selected={kind === "key"} class={kind === "key" ? "tab active" : "tab"}
                onClick={() => setKind("key")}>Access key (root)</button>
      </div>
      <form onSubmit={submit}>
        <label>{kind === "password" ? "IAM user name" : "Access key ID"}
          <input name="principal" autoComplete="username" value={first} required
                 onInput={(e) => setFirst((e.target as HTMLInputElement).value)} />
        </label>
        <label>{kind === "password" ? "Password" : "Secret access key"}
          <input name="secret" type="password" autoComplete="current-password" value={secret} required
                 onInput={(e) => setSecret((e.target as HTMLInputElement).value)} />
        </label>
        <ErrorBanner error={error} />
        <button type="submit" disabled={busy}>{busy ? "Signing in…" : "Sign in"}</button>
      </form>
      <p class="muted small">The root access key is printed once when the server first starts.
        IAM users sign in with the console password set by CreateLoginProfile.</p>
    </div>
  );
}

// A user whose administrator asked for a new password at next sign-in chooses it here first.
export function ChangePassword({ principal, onChanged, onSignOut }: {
  principal: Principal; onChanged: () => void; onSignOut: () => void;
}) {
  const [old, setOld] = useState("");
  const [next, setNext] = useState("");
  const [again, setAgain] = useState("");
  const [error, setError] = useState<unknown>();
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    if (next !== again) {
      setError({ code: "PasswordMismatch", message: "The new passwords do not match." });
      return;
    }
    try {
      await iam("ChangePassword", { OldPassword: old, NewPassword: next });
      onChanged();
    } catch (err) {
      setError(err);
    }
  };
  const field = (label: string, name: string, value: string, set: (v: string) => void,
                 autoComplete: string) => (
    <label>{label}
      <input name={name} type="password" autoComplete={autoComplete} value={value} required
             onInput={(e) => set((e.target as HTMLInputElement).value)} />
    </label>
  );
  return (
    <div class="signin">
      <h1>Choose a new password</h1>
      <p>{principal.user_name}, your administrator asks you to set a new console password before
        you continue.</p>
      <form onSubmit={submit}>
        {field("Current password", "old_password", old, setOld, "current-password")}
        {field("New password", "new_password", next, setNext, "new-password")}
        {field("Confirm new password", "new_password_again", again, setAgain, "new-password")}
        <ErrorBanner error={error} />
        <button type="submit">Change password</button>
      </form>
      <p><button class="link" onClick={onSignOut}>Sign out</button></p>
    </div>
  );
}
