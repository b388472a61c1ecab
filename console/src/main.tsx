// The console: sign-in, then a sidebar of pages; routes live in the URL's hash (#/users/alice),
// so that reloading keeps the page and no route reaches the server.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { Principal, currentSession, setSignedOutHandler, signOut } from "./api";
import { ChangePassword, SignIn } from "./pages/signin";
import { Users } from "./pages/users";
import { UserPage } from "./pages/user";
import { Keyspaces } from "./pages/keyspaces";
import { TablePage } from "./pages/table";
import { CqlEditor } from "./pages/cql";
import { Connect } from "./pages/connect";

function useHash(): string[] {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    window.addEventListener("hashchange", on);
    return () => window.removeEventListener("hashchange", on);
  }, []);
  return hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
}

function Page({ route, principal }: { route: string[]; principal: Principal }) {
  const [first, second, third, fourth] = route;
  if (first === "users" && second) return <UserPage name={second} tab={third || "credentials"} />;
  if (first === "keyspaces" && second && third === "tables" && fourth) {
    return <TablePage keyspace={second} table={fourth} />;
  }
  if (first === "keyspaces") return <Keyspaces />;
  if (first === "cql") return <CqlEditor />;
  if (first === "connect") return <Connect principal={principal} credentialUser={second} />;
  return <Users />;
}

function App() {
  const [principal, setPrincipal] = useState<Principal | null | undefined>(undefined);
  const route = useHash();
  useEffect(() => {
    setSignedOutHandler(() => setPrincipal(null));
    currentSession().then(setPrincipal);
  }, []);
  if (principal === undefined) return <p class="muted center">Loading…</p>;
  if (principal === null) return <SignIn onSignedIn={setPrincipal} />;
  if (principal.password_reset_required) {
    return <ChangePassword principal={principal}
                           onChanged={() => currentSession().then(setPrincipal)}
                           onSignOut={async () => { await signOut(); setPrincipal(null); }} />;
  }
  const section = route[0] || "users";
  const link = (href: string, label: string, name: string) => (
    <a href={href} class={section === name ? "active" : ""}
       aria-current={section === name ? "page" : undefined}>{label}</a>
  );
  return (
    <div class="layout">
      <header class="top">
        <span class="brand">Sibyl</span>
        <span class="who" title={principal.arn}>
          {principal.is_root ? "root" : principal.user_name} @ {principal.account}
        </span>
        <button class="secondary" onClick={async () => { await signOut(); setPrincipal(null); }}>
          Sign out
        </button>
      </header>
      <nav class="side" aria-label="Sections">
        <div class="nav-title">IAM</div>
        {link("#/users", "Users", "users")}
        <div class="nav-title">Keyspaces</div>
        {link("#/keyspaces", "Keyspaces and tables", "keyspaces")}
        {link("#/cql", "CQL editor", "cql")}
        {link("#/connect", "Connect", "connect")}
      </nav>
      <main class="content"><Page route={route} principal={principal} /></main>
    </div>
  );
}

render(<App />, document.getElementById("app")!);
