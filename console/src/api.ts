// The console's only way to the server: the JSON API under /api (same origin, session cookie,
// CSRF token in a header on every state-changing call). Secrets never go into URLs or storage.

export interface Principal {
  arn: string;
  user_name: string;
  user_id: string;
  account: string;
  region: string;
  is_root: boolean;
  password_reset_required: boolean;
}

export class ApiError extends Error {
  constructor(public status: number, public code: string, message: string,
              public cqlCode?: string) {
    super(message);
  }
}

let csrfToken = "";
let onSignedOut: () => void = () => {};

export function setSignedOutHandler(handler: () => void) {
  onSignedOut = handler;
}

async function call(method: string, path: string, body?: unknown): Promise<any> {
  const headers: Record<string, string> = {};
  if (method !== "GET") {
    headers["Content-Type"] = "application/json";
    headers["X-CSRF-Token"] = csrfToken;
  }
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
    cache: "no-store",
  });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    const e = data.error || {};
    if (res.status === 401 && path !== "/api/session") onSignedOut();
    throw new ApiError(res.status, e.code || `HTTP ${res.status}`, e.message || res.statusText,
                       e.cql_code);
  }
  return data;
}

export async function currentSession(): Promise<Principal | null> {
  try {
    const s = await call("GET", "/api/session");
    csrfToken = s.csrf_token;
    return s.principal;
  } catch {
    return null;
  }
}

// Whether any IAM user has a console password (GET /api/sign-in-hint, no session needed): the
// sign-in page opens on the root-key tab until one does. null when the server did not say.
export async function signInHint(): Promise<boolean | null> {
  try {
    const r = await call("GET", "/api/sign-in-hint");
    return typeof r.iam_user_passwords_exist === "boolean" ? r.iam_user_passwords_exist : null;
  } catch {
    return null;
  }
}

export async function signIn(body: Record<string, string>): Promise<Principal> {
  const s = await call("POST", "/api/session", body);
  csrfToken = s.csrf_token;
  return s.principal;
}

export async function signOut() {
  await call("DELETE", "/api/session").catch(() => {});
  csrfToken = "";
}

// Any IAM operation by its API name, with its parameters as the aws CLI's JSON would give them.
export function iam(action: string, params: Record<string, unknown> = {}): Promise<any> {
  return call("POST", `/api/iam/${action}`, params);
}

export interface CqlResult {
  kind: "rows" | "void" | "keyspace" | "schema_change";
  keyspace: string;
  columns?: { name: string; type: string }[];
  rows?: (string | null)[][];
  paging_state?: string | null;
  change?: { type: string; target: string; keyspace: string; name: string };
}

export function cql(query: string, options: { keyspace?: string; page_size?: number;
                                              paging_state?: string | null } = {}): Promise<CqlResult> {
  const body: Record<string, unknown> = { query, page_size: options.page_size ?? 100 };
  if (options.keyspace) body.keyspace = options.keyspace;
  if (options.paging_state) body.paging_state = options.paging_state;
  return call("POST", "/api/cql", body);
}

// Quotes a CQL identifier when it needs it.
export function ident(name: string): string {
  return /^[a-z][a-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

export function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
