// Small building blocks shared by the pages: dialogs, error banners, tables, copy and download.
import { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "./api";

export function ErrorBanner({ error }: { error: unknown }) {
  if (!error) return null;
  const e = error as ApiError;
  return (
    <div class="error" role="alert">
      <strong>{e.code || "Error"}</strong>
      {e.cqlCode ? <span class="muted"> ({e.cqlCode})</span> : null}: {e.message}
    </div>
  );
}

// The confirmation shown after an action succeeded (issue 10 items 24 and 25), as the AWS
// console's green flash bar: it names what was done and to what, and stays until dismissed or
// replaced by the next message. role="status" so screen readers announce it.
export function SuccessBanner({ message, onDismiss }: { message?: string; onDismiss: () => void }) {
  if (!message) return null;
  return (
    <div class="success" role="status">
      <span>{message}</span>
      <button type="button" class="link" onClick={onDismiss} aria-label="Dismiss message">Dismiss</button>
    </div>
  );
}

// Asks before an action that takes something away (make inactive, delete). `confirmText`, when
// given, must be typed first (as the AWS console asks for the id before a delete). `onConfirm`
// resolves true when the action succeeded (the dialog then closes); on failure the error is shown
// here, in the dialog the person is looking at, and the dialog stays open.
export function ConfirmDialog({ title, children, confirmLabel, danger, confirmText, confirmField,
                                error, onConfirm, onClose }: {
  title: string; children: ComponentChildren; confirmLabel: string; danger?: boolean;
  confirmText?: string; confirmField?: string; error?: unknown;
  onConfirm: () => Promise<boolean>; onClose: () => void;
}) {
  const [typed, setTyped] = useState("");
  const [busy, setBusy] = useState(false);
  const ready = !busy && (confirmText === undefined || typed === confirmText);
  return (
    <Dialog title={title} onClose={onClose}>
      {children}
      {confirmText !== undefined ? (
        <label>{confirmField || "Confirm"}
          <input name="confirm_id" value={typed}
                 onInput={(e) => setTyped((e.target as HTMLInputElement).value)} />
        </label>
      ) : null}
      <ErrorBanner error={error} />
      <div class="actions">
        <button type="button" class="secondary" onClick={onClose}>Cancel</button>
        <button type="button" class={danger ? "danger" : ""} disabled={!ready}
                onClick={async () => {
                  setBusy(true);
                  const done = await onConfirm();
                  setBusy(false);
                  if (done) onClose();
                }}>{confirmLabel}</button>
      </div>
    </Dialog>
  );
}

export function Dialog({ title, children, onClose }: {
  title: string; children: ComponentChildren; onClose: () => void;
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    const first = ref.current?.querySelector<HTMLElement>("input, textarea, button, select");
    first?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") onClose();
      if (e.key !== "Tab" || !ref.current) return;
      // Keep keyboard focus inside the dialog while it is open.
      const items = [...ref.current.querySelectorAll<HTMLElement>(
        "input, textarea, select, button, a[href]")].filter((el) => !el.hasAttribute("disabled"));
      if (items.length === 0) return;
      const first = items[0], last = items[items.length - 1];
      if (e.shiftKey && document.activeElement === first) { last.focus(); e.preventDefault(); }
      else if (!e.shiftKey && document.activeElement === last) { first.focus(); e.preventDefault(); }
    };
    document.addEventListener("keydown", onKey);
    return () => { document.removeEventListener("keydown", onKey); previous?.focus(); };
  }, []);
  return (
    <div class="backdrop">
      <div class="dialog" role="dialog" aria-modal="true" aria-label={title} ref={ref}>
        <h2>{title}</h2>
        {children}
      </div>
    </div>
  );
}

export function CopyButton({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      // Clipboard refused (insecure origin): select the text for a manual copy instead.
      const area = document.createElement("textarea");
      area.value = text;
      document.body.appendChild(area);
      area.select();
      document.execCommand("copy");
      area.remove();
    }
    setCopied(true);
    setTimeout(() => setCopied(false), 1500);
  };
  return <button type="button" class="secondary" onClick={copy} aria-label={label}>
    {copied ? "Copied" : "Copy"}
  </button>;
}

// Saves `content` as a file, from memory: nothing goes through a URL the server sees.
export function download(filename: string, content: string, type = "text/csv") {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function csvField(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function formatDate(iso?: string): string {
  if (!iso) return "-";
  const d = new Date(iso);
  return isNaN(d.getTime()) ? iso : d.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
}

export function Loading() {
  return <p class="muted">Loading…</p>;
}

// Runs `load` on mount and when `deps` change; returns [data, error, reload].
export function useLoad<T>(load: () => Promise<T>, deps: unknown[] = []):
    [T | undefined, unknown, () => void] {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<unknown>();
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setError(undefined);
    load().then((d) => live && setData(d)).catch((e) => live && setError(e));
    return () => { live = false; };
  }, [...deps, tick]);
  return [data, error, () => setTick((t) => t + 1)];
}
