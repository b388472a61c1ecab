// The console flows a first user trips over (issue 10 items 24, 25, 26), in Debian's headless
// Chromium driven by playwright-core, on a fresh server:
//   26: with no IAM console password the sign-in page opens on "Access key (root)" and says why;
//       each tab says whom it is for; once a user has a console password it opens on "IAM user".
//   24: "Attach policies" is a checkbox list: a click on a policy name attaches nothing; two
//       selected, reviewed and confirmed are both attached, and a message names them.
//   25: "Make inactive" asks first (saying the credential can no longer be used to sign in) and
//       can be cancelled; make inactive and delete end with a message naming the credential;
//       an error (the credential was deleted meanwhile) is shown in the dialog.
// What the page claims is checked against the server through a separate API session, so a page
// that only looked right would fail.
// Usage: node console_flows.js <http-endpoint> <root-key-id> <root-secret> <shots-dir>
"use strict";
const fs = require("fs");
const path = require("path");
const { chromium } = require("playwright-core");

const [endpoint, rootKey, rootSecret, shots] = process.argv.slice(2);
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

function check(condition, what) {
  if (!condition) throw new Error(`check failed: ${what}`);
}

// An API session of its own (root), independent of the browser's.
async function apiSession() {
  const res = await fetch(`${endpoint}/api/session`, {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ kind: "key", access_key_id: rootKey, secret_access_key: rootSecret }),
  });
  check(res.ok, `API sign-in: ${res.status}`);
  const cookie = res.headers.get("set-cookie").split(";")[0];
  const { csrf_token: csrf } = await res.json();
  return async (action, params = {}) => {
    const r = await fetch(`${endpoint}/api/iam/${action}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Cookie: cookie, "X-CSRF-Token": csrf },
      body: JSON.stringify(params),
    });
    const body = await r.json();
    check(r.ok, `${action}: ${JSON.stringify(body)}`);
    return body;
  };
}

let page;  // for the screenshot of a failure

async function main() {
  fs.mkdirSync(shots, { recursive: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true,
                                          args: ["--no-sandbox", "--disable-gpu"] });
  const context = await browser.newContext({ viewport: { width: 1366, height: 860 } });
  page = await context.newPage();
  page.setDefaultTimeout(15000);
  const shot = (name) => page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
  page.on("pageerror", (e) => console.error("page error:", e.message));
  const api = await apiSession();
  const attachedNames = async (user) =>
    (await api("ListAttachedUserPolicies", { UserName: user })).AttachedPolicies
      .map((p) => p.PolicyName).sort();

  // --- 26: a fresh server: the root-key tab is open, and the page says why ---
  await page.goto(`${endpoint}/console/`);
  const rootTab = page.getByRole("tab", { name: "Access key (root)" });
  const userTab = page.getByRole("tab", { name: "IAM user" });
  await page.getByTestId("signin-first-hint").waitFor();
  check(await rootTab.getAttribute("aria-selected") === "true", "root tab open on a fresh server");
  check(await userTab.getAttribute("aria-selected") === "false", "IAM user tab not selected");
  check(/No IAM user has a console password yet/.test(
    await page.getByTestId("signin-first-hint").innerText()), "says to use the root key first");
  check(/root access key .* printed once/.test(await page.getByTestId("signin-tab-help").innerText()),
        "the root tab says what it is for");
  await userTab.click();
  check(/console password/.test(await page.getByTestId("signin-tab-help").innerText()),
        "the IAM user tab says what it is for");
  await shot("flows-01-sign-in-fresh");
  await rootTab.click();
  await page.getByLabel("Access key ID").fill(rootKey);
  await page.getByLabel("Secret access key").fill(rootSecret);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Users" }).waitFor();

  // A user without a console password (the sign-in page must still open on the root tab).
  await page.getByRole("button", { name: "Create user" }).click();
  await page.getByLabel("User name").fill("erin");
  await page.getByRole("button", { name: "Create user" }).last().click();
  await page.getByRole("heading", { name: "erin" }).waitFor();

  // --- 24: a click on a policy name attaches nothing ---
  await page.getByRole("tab", { name: "Permissions" }).click();
  await page.getByRole("button", { name: "Attach policies" }).click();
  let picker = page.getByRole("dialog", { name: "Attach policies" });
  await picker.getByText("AmazonKeyspacesReadOnlyAccess_v2", { exact: true }).waitFor();
  check(await picker.getByRole("button", { name: "Next" }).isDisabled(), "Next disabled with nothing selected");
  await picker.getByText("AmazonKeyspacesReadOnlyAccess", { exact: true }).click();
  check(await picker.getByRole("checkbox", { name: "AmazonKeyspacesReadOnlyAccess", exact: true }).isChecked(),
        "a click on the name ticks its box");
  check(await picker.getByRole("checkbox", { name: "AmazonKeyspacesReadOnlyAccess_v2", exact: true }).isChecked() === false,
        "the look-alike name below stays unticked");
  check((await attachedNames("erin")).length === 0, "a click on a name attached nothing");
  await picker.getByRole("button", { name: "Cancel" }).click();
  await picker.waitFor({ state: "detached" });
  await page.getByText("None attached.").waitFor();
  check((await attachedNames("erin")).length === 0, "cancel attached nothing");
  check(await page.getByRole("status").count() === 0, "no message when nothing was attached");

  // --- 24: two selected (with the filter), reviewed, attached, and named in a message ---
  await page.getByRole("button", { name: "Attach policies" }).click();
  picker = page.getByRole("dialog", { name: "Attach policies" });
  await picker.getByLabel("Filter policies").fill("keyspaces");
  await picker.getByRole("checkbox", { name: "AmazonKeyspacesReadOnlyAccess", exact: true }).check();
  await picker.getByRole("checkbox", { name: "AmazonKeyspacesFullAccess", exact: true }).check();
  check(await picker.getByText("AdministratorAccess", { exact: true }).count() === 0, "the filter hides others");
  check(/2 selected/.test(await picker.getByTestId("attach-selected-count").innerText()), "2 selected shown");
  await picker.getByRole("button", { name: "Next" }).click();
  const review = page.getByRole("dialog", { name: "Review and attach policies" });
  const reviewed = await review.getByTestId("attach-review").innerText();
  check(reviewed.includes("AmazonKeyspacesReadOnlyAccess") && reviewed.includes("AmazonKeyspacesFullAccess") &&
        !reviewed.includes("_v2"), `the review lists the two policies: ${reviewed}`);
  check((await attachedNames("erin")).length === 0, "the review attached nothing yet");
  await shot("flows-02-attach-review");
  await review.getByRole("button", { name: "Attach policies" }).click();
  const attachedMessage = page.getByRole("status");
  await attachedMessage.waitFor();
  const said = await attachedMessage.innerText();
  check(/2 policies were attached to erin/.test(said) && said.includes("AmazonKeyspacesReadOnlyAccess") &&
        said.includes("AmazonKeyspacesFullAccess"), `the message names what was attached: ${said}`);
  await page.getByRole("cell", { name: "AmazonKeyspacesFullAccess", exact: true }).waitFor();
  const names = await attachedNames("erin");
  check(JSON.stringify(names) === JSON.stringify(["AmazonKeyspacesFullAccess", "AmazonKeyspacesReadOnlyAccess"]),
        `both attached, nothing else: ${names}`);
  await shot("flows-03-attached");

  // --- 25: make inactive asks first, can be cancelled, then says what it did ---
  await page.getByRole("tab", { name: "Security credentials" }).click();
  const creds = page.getByTestId("keyspaces-credentials");
  await creds.getByRole("button", { name: "Generate credentials" }).click();
  const generated = page.getByRole("dialog", { name: "Credentials generated" });
  const serviceUser = await generated.getByTestId("service-user-name").innerText();
  await generated.getByRole("button", { name: "Close" }).click();
  const listed = async () => (await api("ListServiceSpecificCredentials", { UserName: "erin" }))
    .ServiceSpecificCredentials;
  const credId = (await listed())[0].ServiceSpecificCredentialId;
  await creds.getByRole("button", { name: "Make inactive" }).click();
  let ask = page.getByRole("dialog", { name: "Make credential inactive?" });
  const question = await ask.innerText();
  check(question.includes("can no longer be used to sign in") && question.includes(credId),
        `the question says what will happen: ${question}`);
  await shot("flows-04-make-inactive-asks");
  await ask.getByRole("button", { name: "Cancel" }).click();
  await ask.waitFor({ state: "detached" });
  check((await listed())[0].Status === "Active", "cancel left the credential active");
  check(await creds.getByText("Active", { exact: true }).count() === 1, "still shown active");
  await creds.getByRole("button", { name: "Make inactive" }).click();
  ask = page.getByRole("dialog", { name: "Make credential inactive?" });
  await ask.getByRole("button", { name: "Make inactive" }).click();
  await ask.waitFor({ state: "detached" });
  const inactiveMessage = await creds.getByRole("status").innerText();
  check(inactiveMessage.includes(credId) && inactiveMessage.includes(serviceUser) &&
        /now inactive: it can no longer be used to sign in/.test(inactiveMessage),
        `the message names the credential: ${inactiveMessage}`);
  await creds.getByText("Inactive", { exact: true }).waitFor();
  check((await listed())[0].Status === "Inactive", "the credential is inactive on the server");

  // --- 25: delete ends with a message naming the credential ---
  await creds.getByRole("button", { name: "Delete" }).click();
  let del = page.getByRole("dialog", { name: "Delete Keyspaces credentials?" });
  check(await del.getByRole("button", { name: "Delete" }).isDisabled(), "delete needs the id typed");
  await del.getByLabel("Credential ID").fill(credId);
  await del.getByRole("button", { name: "Delete" }).click();
  await del.waitFor({ state: "detached" });
  const deletedMessage = await creds.getByRole("status").innerText();
  check(deletedMessage.includes(credId) && /was deleted/.test(deletedMessage),
        `the delete message names the credential: ${deletedMessage}`);
  await creds.getByRole("cell", { name: credId }).waitFor({ state: "detached" });
  check((await listed()).length === 0, "deleted on the server");
  await shot("flows-05-deleted");

  // --- 25: an error is shown where the person is looking (deleted meanwhile elsewhere) ---
  await creds.getByRole("button", { name: "Generate credentials" }).click();
  await page.getByRole("dialog", { name: "Credentials generated" })
    .getByRole("button", { name: "Close" }).click();
  const goneId = (await listed())[0].ServiceSpecificCredentialId;
  await api("DeleteServiceSpecificCredential", { UserName: "erin", ServiceSpecificCredentialId: goneId });
  await creds.getByRole("button", { name: "Delete" }).click();
  del = page.getByRole("dialog", { name: "Delete Keyspaces credentials?" });
  await del.getByLabel("Credential ID").fill(goneId);
  await del.getByRole("button", { name: "Delete" }).click();
  await del.getByRole("alert").getByText("NoSuchEntity").waitFor();
  check(await creds.getByRole("status").count() === 0, "no success message after a failure");
  await del.getByRole("button", { name: "Cancel" }).click();

  // --- 25: access keys too: make inactive asks, then says what it did ---
  const keys = page.getByTestId("access-keys");
  await keys.getByRole("button", { name: "Create access key" }).click();
  await page.getByRole("dialog", { name: "Access key created" }).getByRole("button", { name: "Done" }).click();
  const keyId = (await api("ListAccessKeys", { UserName: "erin" })).AccessKeyMetadata[0].AccessKeyId;
  await keys.getByRole("button", { name: "Make inactive" }).click();
  ask = page.getByRole("dialog", { name: "Make access key inactive?" });
  check((await ask.innerText()).includes("can no longer be used to sign in"), "the key question says why");
  await ask.getByRole("button", { name: "Make inactive" }).click();
  const keyMessage = await keys.getByRole("status").innerText();
  check(keyMessage.includes(keyId) && /now inactive/.test(keyMessage), `key message: ${keyMessage}`);
  check((await api("ListAccessKeys", { UserName: "erin" })).AccessKeyMetadata[0].Status === "Inactive",
        "the key is inactive on the server");

  // --- 26: once an IAM user has a console password, the page opens on "IAM user" ---
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByLabel("Access key ID").waitFor();  // still no console password: root tab
  check(await rootTab.getAttribute("aria-selected") === "true", "root tab while erin has no password");
  await api("CreateLoginProfile", { UserName: "erin", Password: "erin-console-1" });
  await page.reload();
  await page.getByLabel("IAM user name").waitFor();
  check(await userTab.getAttribute("aria-selected") === "true", "IAM user tab once a password exists");
  check(await page.getByTestId("signin-first-hint").count() === 0, "no root-first hint then");
  await shot("flows-06-sign-in-with-users");

  await browser.close();
  console.log("console flows: OK");
}

main().catch(async (e) => {
  console.error(e && e.stack ? e.stack : e);
  if (page) await page.screenshot({ path: path.join(shots, "flows-failure.png"), fullPage: true }).catch(() => {});
  process.exit(1);
});
