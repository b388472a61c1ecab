// The web console end to end, in Debian's headless Chromium driven by playwright-core, with CQL
// logins by the npm cassandra-driver (issue #5):
//   root signs in -> creates a keyspace and table (CQL shown) -> creates a user with a console
//   password -> attaches AmazonKeyspacesReadOnlyAccess -> generates Keyspaces credentials, reads
//   the password from the dialog, downloads the CSV -> CQL login works -> reset: the old
//   password is refused, the new one works -> make inactive: refused -> delete (typing the id)
//   -> the user signs in and sees a write refused (Unauthorized) in the CQL editor and its
//   IAM pages refused (no iam: rights).
// Usage: node console_test.js <http-endpoint> <cql-port> <root-key-id> <root-secret> <shots-dir>
// Exits non-zero with the failing step on stderr. Screenshots of the main pages go to shots-dir.
"use strict";
const fs = require("fs");
const path = require("path");
const { chromium } = require("playwright-core");
const cassandra = require("cassandra-driver");

const [endpoint, cqlPort, rootKey, rootSecret, shots] = process.argv.slice(2);
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

function check(condition, what) {
  if (!condition) throw new Error(`check failed: ${what}`);
}

async function cqlLogin(user, password) {
  const client = new cassandra.Client({
    contactPoints: [`127.0.0.1:${cqlPort}`],
    localDataCenter: "datacenter1",
    authProvider: new cassandra.auth.PlainTextAuthProvider(user, password),
  });
  try {
    await client.connect();
    const rs = await client.execute("SELECT release_version FROM system.local");
    return rs.rows[0].release_version;
  } finally {
    await client.shutdown();
  }
}

async function refused(user, password) {
  try {
    await cqlLogin(user, password);
    return false;
  } catch (e) {
    return /Provided username .* and\/or password are incorrect/.test(String(e.message || e)) ||
           /incorrect/.test(JSON.stringify(e.innerErrors || {}));
  }
}

let page;  // for the screenshot of a failure

async function main() {
  fs.mkdirSync(shots, { recursive: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true,
                                          args: ["--no-sandbox", "--disable-gpu"] });
  const context = await browser.newContext({ viewport: { width: 1366, height: 860 },
                                             acceptDownloads: true });
  page = await context.newPage();
  page.setDefaultTimeout(15000);
  const shot = (name) => page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
  page.on("pageerror", (e) => console.error("page error:", e.message));

  // --- root signs in with the access key ---
  await page.goto(`${endpoint}/console/`);
  await page.getByRole("tab", { name: "Access key (root)" }).click();
  await page.getByLabel("Access key ID").fill(rootKey);
  await page.getByLabel("Secret access key").fill(rootSecret);
  await shot("01-sign-in");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Users" }).waitFor();

  // --- a keyspace and a table, through the Keyspaces page (the CQL is shown, then run) ---
  await page.getByRole("link", { name: "Keyspaces and tables" }).click();
  await page.getByRole("button", { name: "Create keyspace" }).click();
  await page.getByLabel("CQL statement").fill(
    "CREATE KEYSPACE shop WITH replication = {'class': 'SingleRegionStrategy'}");
  await page.getByRole("button", { name: "Run" }).click();
  await page.getByRole("heading", { name: "shop" }).waitFor();
  await page.getByRole("button", { name: "Create table" }).click();
  await page.getByLabel("Table name").fill("orders");
  await page.getByLabel("Columns (name type, ...)").fill("id int, item text");
  await page.getByLabel("Tags (key=value, ...)").fill("team=web");
  await page.getByRole("button", { name: "Review and run" }).click();
  const statement = await page.getByLabel("CQL statement").inputValue();
  check(statement.includes("CREATE TABLE shop.orders (id int, item text, PRIMARY KEY (id)) WITH TAGS = {'team': 'web'}"),
        `create table statement shown: ${statement}`);
  await page.getByRole("button", { name: "Run" }).click();
  await page.getByRole("link", { name: "orders" }).click();
  await page.getByRole("heading", { name: "shop.orders" }).waitFor();
  await page.getByText("{'team': 'web'}").waitFor();
  await shot("02-table");

  // --- a user with a console password ---
  await page.getByRole("link", { name: "Users" }).click();
  await page.getByRole("button", { name: "Create user" }).click();
  await page.getByLabel("User name").fill("dana");
  await page.getByLabel("Console password (optional)").fill("console-pass-1");
  await page.getByRole("button", { name: "Create user" }).last().click();
  await page.getByRole("heading", { name: "dana" }).waitFor();

  // --- permissions: attach AmazonKeyspacesReadOnlyAccess ---
  await page.getByRole("tab", { name: "Permissions" }).click();
  await page.getByRole("button", { name: "Attach policies" }).click();
  await page.getByLabel("Filter policies").fill("ReadOnlyAccess");
  // Select, review, attach (issue 10 item 24: a click on a name no longer attaches at once).
  await page.getByRole("checkbox", { name: "AmazonKeyspacesReadOnlyAccess", exact: true }).check();
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByRole("dialog", { name: "Review and attach policies" })
    .getByRole("button", { name: "Attach policies" }).click();
  await page.getByRole("cell", { name: "AmazonKeyspacesReadOnlyAccess", exact: true }).waitFor();
  await page.getByLabel("Action").fill("cassandra:Modify");
  await page.getByRole("button", { name: "Simulate" }).click();
  await page.getByTestId("simulation-result").getByText("implicitDeny").waitFor();
  await shot("03-permissions");

  // --- an inline policy with a fault: IAM's MalformedPolicyDocument, the cursor on the fault ---
  await page.getByRole("button", { name: "Add inline policy" }).click();
  await page.getByLabel("Policy name").fill("broken");
  const broken = '{\n  "Version": "2012-10-17"\n  "Statement": []\n}';
  await page.getByLabel("Policy document (JSON)").fill(broken);
  await page.getByRole("button", { name: "Save policy" }).click();
  await page.getByRole("alert").getByText("MalformedPolicyDocument").waitFor();
  await page.getByText("at line 3, column 3").waitFor();
  const caret = await page.getByLabel("Policy document (JSON)").evaluate((t) => t.selectionStart);
  check(caret === broken.indexOf('"Statement"'), `cursor on the fault (${caret})`);
  await shot("03b-policy-error");
  await page.getByRole("button", { name: "Cancel" }).click();

  // --- Keyspaces credentials: generate, read the password once, download the CSV ---
  await page.getByRole("tab", { name: "Security credentials" }).click();
  await page.getByRole("button", { name: "Generate credentials" }).click();
  const dialog = page.getByRole("dialog", { name: "Credentials generated" });
  await dialog.waitFor();
  const user = await dialog.getByTestId("service-user-name").innerText();
  const password = await dialog.getByTestId("service-password").innerText();
  check(/^dana-at-\d{12}$/.test(user), `service user name ${user}`);
  check(password.length >= 40, "password shown");
  check(await dialog.getByText("This is the only time the password can be seen").count() === 1,
        "says the password cannot be seen again");
  await shot("04-credentials-generated");
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    dialog.getByRole("button", { name: "Download credentials" }).click(),
  ]);
  const csv = fs.readFileSync(await download.path(), "utf8");
  check(csv === `Username,Password\n${user},${password}\n`, `CSV content: ${csv}`);
  check(download.suggestedFilename().endsWith(".csv"), "CSV file name");
  await dialog.getByRole("button", { name: "Close" }).click();
  check(await page.getByText(password).count() === 0, "password gone once the dialog closed");

  check((await cqlLogin(user, password)).startsWith("4."), "CQL login with the generated password");

  // --- reset: the old password is refused, the new one works ---
  await page.getByRole("button", { name: "Reset password" }).click();
  await page.getByRole("dialog", { name: "Reset password?" })
    .getByRole("button", { name: "Reset password" }).click();
  const resetDialog = page.getByRole("dialog", { name: "Password reset" });
  const newPassword = await resetDialog.getByTestId("service-password").innerText();
  await resetDialog.getByRole("button", { name: "Close" }).click();
  check(newPassword !== password, "a new password");
  check(await refused(user, password), "old password refused after reset");
  check((await cqlLogin(user, newPassword)).startsWith("4."), "new password works");

  // --- make inactive: refused; a second credential; the limit explained ---
  await page.getByRole("button", { name: "Make inactive" }).click();
  await page.getByRole("dialog", { name: "Make credential inactive?" })
    .getByRole("button", { name: "Make inactive" }).click();  // asks first (issue 10 item 25)
  await page.getByText("Inactive", { exact: true }).waitFor();
  check(await refused(user, newPassword), "inactive credential refused");
  await page.getByRole("button", { name: "Generate credentials" }).click();
  await page.getByRole("dialog", { name: "Credentials generated" })
    .getByRole("button", { name: "Close" }).click();
  await page.getByText("the most IAM allows per user and service").waitFor();
  check(await page.getByRole("button", { name: "Generate credentials" }).isDisabled(),
        "Generate is disabled at the limit");
  await shot("05-security-credentials");

  // --- delete, confirming by typing the id ---
  const firstId = await page.locator("[data-testid=keyspaces-credentials] tbody tr td").first().innerText();
  await page.getByRole("button", { name: "Delete" }).first().click();
  const del = page.getByRole("dialog", { name: "Delete Keyspaces credentials?" });
  check(await del.getByRole("button", { name: "Delete" }).isDisabled(), "delete needs the id typed");
  await del.getByLabel("Credential ID").fill(firstId);
  await del.getByRole("button", { name: "Delete" }).click();
  await page.getByRole("cell", { name: firstId }).waitFor({ state: "detached" });
  check(await del.count() === 0, "the delete dialog closed");

  // --- pages a person reads: keyspaces, connect ---
  await page.getByRole("link", { name: "Keyspaces and tables" }).click();
  await page.getByRole("heading", { name: "shop" }).waitFor();
  await shot("06-keyspaces");
  await page.getByRole("link", { name: "Connect" }).click();
  await page.getByRole("heading", { name: "cqlsh" }).waitFor();
  await shot("07-connect");

  // --- the user signs in: reads work, a write is refused in the CQL editor ---
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByLabel("IAM user name").fill("dana");
  await page.getByLabel("Password").fill("console-pass-1");
  await page.getByRole("button", { name: "Sign in" }).click();
  // Created with "must create a new password at next sign-in": that comes first.
  await page.getByRole("heading", { name: "Choose a new password" }).waitFor();
  await page.getByLabel("Current password").fill("console-pass-1");
  await page.getByLabel("New password", { exact: true }).fill("console-pass-2");
  await page.getByLabel("Confirm new password").fill("console-pass-2");
  await page.getByRole("button", { name: "Change password" }).click();
  await page.getByText("dana @").waitFor();
  await page.getByRole("link", { name: "Users" }).click();
  await page.getByRole("alert").getByText("AccessDenied").waitFor();  // no iam:ListUsers
  await shot("08-users-refused");
  await page.getByRole("link", { name: "CQL editor" }).click();
  await page.getByLabel("CQL statement").fill("SELECT * FROM shop.orders");
  await page.getByRole("button", { name: "Run" }).click();
  await page.getByTestId("result-grid").waitFor();
  await page.getByLabel("CQL statement").fill("INSERT INTO shop.orders (id, item) VALUES (1, 'tea')");
  await page.getByRole("button", { name: "Run" }).click();
  const error = page.getByTestId("cql-error").getByRole("alert");
  await error.waitFor();
  const text = await error.innerText();
  check(text.includes("Unauthorized") && text.includes("0x2100") && text.includes("cassandra:Modify") &&
        text.includes(":/keyspace/shop/table/orders"), `write refused in the editor: ${text}`);
  await shot("09-cql-write-refused");
  await page.getByLabel("CQL statement").fill("SELEC * FROM shop.orders");
  await page.getByRole("button", { name: "Run" }).click();
  await page.getByTestId("cql-error").getByText("SyntaxException").waitFor();
  await page.getByText("line 1:0").waitFor();
  await shot("10-cql-syntax-error");

  await browser.close();
  console.log("console test: OK");
}

main().catch(async (e) => {
  console.error(e && e.stack ? e.stack : e);
  if (page) await page.screenshot({ path: path.join(shots, "failure.png"), fullPage: true }).catch(() => {});
  process.exit(1);
});
