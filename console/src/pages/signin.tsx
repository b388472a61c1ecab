// Sign in as an IAM user with a console password, or with an access key (the root key).
// Which tab comes first (issue 10 item 26): a first-time administrator has only the root key, so
// the page opens on "Access key (root)" while no IAM user has a console password (the server
// says so through GET /api/sign-in-hint), and on "IAM user" once one does. Each tab says whom
// it is for.
import { useEffect, useRef, useState } from "preact/hooks";
import { Principal, iam, signIn, signInHint } from "../api";
import { ErrorBanner } from "../components";

type Kind = "password" | "key";

const TAB_HELP: Record<Kind, string> = {
  password: "For people: an IAM user whose administrator gave it a console password (Users → " +
    "the user → Security credentials → Console sign-in). Use this for everyday work; what you " +
    "can do is what the user's IAM policies allow.",
  key: "For the account's administrator: the root access key ID and secret access key that " +
    "sibyl serve printed once when it first started. It has every right: use it to sign in " +
    "the first time and create IAM users, then sign in as one of them.",
};

export function SignIn({ onSignedIn }: { onSignedIn: (p: Principal) => void }) {
  const [kind, setKind] = useState<Kind>("password");
  // undefined: not known yet; null: the server did not say (then "IAM user", as before).
  const [passwordsExist, setPasswordsExist] = useState<boolean | null | undefined>(undefined);
  const chosen = useRef(false);  // the person picked a tab: the hint must not move it
  const [first, setFirst] = useState("");
  const [secret, setSecret] = useState("");
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    let live = true;
    signInHint().then((exist) => {
      if (!live) return;
      setPasswordsExist(exist);
      if (exist === false && !chosen.current) setKind("key");
    });
    return () => { live = false; };
  }, []);
  const pick = (k: Kind) => {
    chosen.current = true;
    setKind(k);
  };
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
  const tab = (k: Kind, label: string) => (
    <button role="tab" id={`tab-${k}`} aria-selected={kind === k} aria-controls="signin-panel"
            class={kind === k ? "tab active" : "tab"} onClick={() => pick(k)}>{label}</button>
  );
  return (
    <div class="signin">
      <h1>Sign in to Sibyl</h1>
      {passwordsExist === false ? (
        <p class="hint" data-testid="signin-first-hint">No IAM user has a console password yet:
          sign in with the root access key first, then create IAM users for everyday work.</p>
      ) : null}
      <div class="tabs" role="tablist" aria-label="How to sign in">
        {tab("password", "IAM user")}
        {tab("key", "Access key (root)")}
      </div>
      <div role="tabpanel" id="signin-panel" aria-labelledby={`tab-${kind}`}>
        <p class="muted small tab-help" data-testid="signin-tab-help">{TAB_HELP[kind]}</p>
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
      </div>
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
