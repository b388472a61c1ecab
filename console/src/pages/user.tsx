// One IAM user: its security credentials (console password, access keys, Keyspaces
// credentials) and its permissions (policies, groups, simulation).
import { iam } from "../api";
import { ErrorBanner, Loading, formatDate, useLoad } from "../components";
import { AccessKeys, ConsolePassword, KeyspacesCredentials } from "./credentials";
import { Permissions } from "./permissions";

export function UserPage({ name, tab }: { name: string; tab: string }) {
  const [user, error] = useLoad(() => iam("GetUser", { UserName: name }).then((r) => r.User), [name]);
  const base = `#/users/${encodeURIComponent(name)}`;
  return (
    <section>
      <p class="crumbs"><a href="#/users">Users</a> › {name}</p>
      <h1>{name}</h1>
      <ErrorBanner error={error} />
      {!user && !error ? <Loading /> : null}
      {user ? (
        <dl class="summary">
          <dt>ARN</dt><dd class="mono">{user.Arn}</dd>
          <dt>User ID</dt><dd class="mono">{user.UserId}</dd>
          <dt>Created</dt><dd>{formatDate(user.CreateDate)}</dd>
        </dl>
      ) : null}
      <div class="tabs" role="tablist">
        <a role="tab" href={`${base}/credentials`} aria-selected={tab === "credentials"}
           class={tab === "credentials" ? "tab active" : "tab"}>Security credentials</a>
        <a role="tab" href={`${base}/permissions`} aria-selected={tab === "permissions"}
           class={tab === "permissions" ? "tab active" : "tab"}>Permissions</a>
      </div>
      {user && tab === "credentials" ? (
        <>
          <ConsolePassword user={name} />
          <AccessKeys user={name} />
          <KeyspacesCredentials user={name} />
        </>
      ) : null}
      {user && tab === "permissions" ? <Permissions user={name} arn={user.Arn} /> : null}
    </section>
  );
}
