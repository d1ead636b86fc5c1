// The lab workspace: CodeMirror 6 over each <textarea data-editor>, the simulator's findings inline
// and listed under each editor (click a finding to jump to its line), drafts saved as you go, and
// the instructions/editor divider that can be dragged or moved with the arrow keys.
import { basicSetup } from "codemirror";
import { EditorView } from "@codemirror/view";
import { Compartment, EditorSelection, EditorState, StateEffect } from "@codemirror/state";
import { oneDark } from "@codemirror/theme-one-dark";
import { yaml } from "@codemirror/lang-yaml";
import { json } from "@codemirror/lang-json";
import { linter, lintGutter } from "@codemirror/lint";

const number = new Intl.NumberFormat("en");
// CodeMirror injects its styles in a <style> element: it needs the page's CSP nonce (the property
// still reads it after the browser hides the attribute).
const cspNonce = document.querySelector("script[data-editor-script]")?.nonce || "";

// "Check again now" (after a rate-limit pause, or when the connection comes back): the linter
// re-runs on this effect as it does on an edit.
const recheck = StateEffect.define();
const wantsRecheck = (update) => update.transactions.some((tr) => tr.effects.some((e) => e.is(recheck)));

function csrfToken() {
  const m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  if (m) return decodeURIComponent(m[1]);
  const field = document.querySelector("[name=csrfmiddlewaretoken]");
  return field ? field.value : "";
}

// A failed call, with what the learner should read (never a raw status code alone).
class CallError extends Error {
  constructor(kind, message, retryAfter = 0) {
    super(message);
    this.kind = kind; // "too-large" | "rate-limited" | "offline" | "session" | "server" | "invalid"
    this.retryAfter = retryAfter;
  }
}

function plural(n, word) {
  return `${number.format(n)} ${word}${n === 1 ? "" : "s"}`;
}

function utf8Bytes(text) {
  return new TextEncoder().encode(text).length;
}

function tooLargeMessage(name, bytes, limit) {
  return (
    `${name} is ${number.format(bytes)} bytes; a lab file may be at most ${number.format(limit)} bytes. ` +
    "Nothing was checked: remove what the task does not need (pasted logs, generated files)."
  );
}

async function callJSON(url, body, method, { name, limit }) {
  let response;
  try {
    response = await fetch(url, {
      method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body),
    });
  } catch (e) {
    throw new CallError(
      "offline",
      navigator.onLine === false
        ? "You are offline. Your text is kept on this page; findings come back when the connection does."
        : "The server could not be reached. Your text is kept on this page; retrying when you next type.",
    );
  }
  if (response.ok) return response.status === 204 ? null : response.json();
  let data = {};
  try {
    data = await response.json();
  } catch (e) {
    /* not JSON: use the status below */
  }
  if (response.status === 413) {
    const bytes = utf8Bytes(body.text ?? JSON.stringify(body.files ?? {}));
    throw new CallError("too-large", tooLargeMessage(name, bytes, limit));
  }
  if (response.status === 429) {
    const wait = parseInt(response.headers.get("Retry-After") || data.wait_seconds || "10", 10);
    throw new CallError(
      "rate-limited",
      `Too many checks in a short time: the checker pauses for ${plural(wait, "second")}, then checks again by itself.`,
      wait,
    );
  }
  if (response.status === 401 || response.status === 403) {
    throw new CallError("session", "Your session has ended: log in again in another tab, then keep typing. Your text is kept.");
  }
  if (response.status >= 500) {
    throw new CallError("server", `The checker failed on the server (HTTP ${response.status}). Your text is kept; it retries when you next type.`);
  }
  if (data.text && Array.isArray(data.text) && /no more than/.test(data.text[0] || "")) {
    throw new CallError("too-large", tooLargeMessage(name, utf8Bytes(body.text || ""), limit));
  }
  const detail = data.detail || Object.values(data).flat().join(" ") || `HTTP ${response.status}`;
  throw new CallError("invalid", detail);
}

// The editor follows the site's light/dark preference, and switches when the user toggles it.
const themes = [];
function siteIsDark() {
  const chosen = document.documentElement.dataset.theme;
  if (chosen === "dark" || chosen === "light") return chosen === "dark";
  return window.matchMedia("(prefers-color-scheme: dark)").matches;
}
function editorTheme() {
  return siteIsDark() ? oneDark : [];
}
function refreshThemes() {
  themes.forEach(({ view, compartment }) => view.dispatch({ effects: compartment.reconfigure(editorTheme()) }));
}
new MutationObserver(refreshThemes).observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", refreshThemes);

function languageFor(name) {
  return name.endsWith(".json") ? json() : yaml();
}

// Messages may quote names in `backticks`: show those as code, never as raw Markdown.
function richText(text) {
  return String(text)
    .split(/`([^`]+)`/)
    .map((part, i) => {
      if (i % 2 === 0) return document.createTextNode(part);
      const code = document.createElement("code");
      code.textContent = part;
      return code;
    });
}

function lessonLink(f) {
  if (!f.doc) return null;
  const a = document.createElement("a");
  a.href = f.lesson_url || `/study/${f.doc}/`;
  a.textContent = f.lesson_title ? `Lesson: ${f.lesson_title}` : "Study the lesson on this";
  return a;
}

// Findings carry 1-based line and column; CodeMirror wants document offsets.
function position(doc, f) {
  const lineNo = Math.min(Math.max(f.line || 1, 1), doc.lines);
  const line = doc.line(lineNo);
  const from = Math.min(line.from + Math.max((f.column || 1) - 1, 0), line.to);
  return { line, from };
}

function severityOf(f) {
  return f.severity === "error" ? "error" : f.severity === "warning" ? "warning" : "info";
}

function toDiagnostics(doc, findings) {
  return findings.map((f) => {
    const { line, from } = position(doc, f);
    return {
      from,
      to: Math.max(from, line.to),
      severity: severityOf(f),
      source: f.code,
      message: `${f.code}: ${f.message}${f.hint ? ` ${f.hint}` : ""}`,
      // The tooltip: message, hint, and a real link to the lesson.
      renderMessage: () => {
        const box = document.createElement("div");
        const head = document.createElement("p");
        head.className = "cm-finding-message";
        head.append(`${f.code}: `, ...richText(f.message));
        box.append(head);
        if (f.hint) {
          const hint = document.createElement("p");
          hint.className = "cm-finding-hint";
          hint.append(...richText(f.hint));
          box.append(hint);
        }
        const link = lessonLink(f);
        if (link) box.append(link);
        return box;
      },
    };
  });
}

function jumpTo(view, f) {
  const { from } = position(view.state.doc, f);
  view.dispatch({ selection: EditorSelection.cursor(from), effects: EditorView.scrollIntoView(from, { y: "center" }) });
  view.focus();
}

// The list under an editor: every finding, one button per line number that jumps to it.
function renderPanel(panel, name, findings, view) {
  const summary = panel.querySelector("[data-findings-summary]");
  const list = panel.querySelector("[data-findings-list]");
  const counts = { error: 0, warning: 0, info: 0 };
  findings.forEach((f) => (counts[severityOf(f)] += 1));
  panel.dataset.state = counts.error ? "errors" : findings.length ? "notes" : "clean";
  panel.dataset.errors = String(counts.error);
  const parts = [];
  if (counts.error) parts.push(plural(counts.error, "error"));
  if (counts.warning) parts.push(plural(counts.warning, "warning"));
  if (counts.info) parts.push(plural(counts.info, "note"));
  summary.textContent = counts.error
    ? `${parts.join(", ")} in ${name}`
    : `No errors in ${name}${parts.length ? ` (${parts.join(", ")})` : ""}`;
  list.replaceChildren(
    ...[...findings]
      .sort((a, b) => (a.line || 0) - (b.line || 0) || (a.column || 0) - (b.column || 0))
      .map((f) => {
        const li = document.createElement("li");
        li.className = `finding finding-${severityOf(f)}`;
        const jump = document.createElement("button");
        jump.type = "button";
        jump.className = "finding-jump";
        jump.textContent = `Line ${f.line || 1}`;
        jump.setAttribute("aria-label", `Go to line ${f.line || 1}${f.column ? `, column ${f.column}` : ""} of ${name}`);
        jump.addEventListener("click", () => jumpTo(view, f));
        const sev = document.createElement("span");
        sev.className = `badge ${severityOf(f) === "error" ? "bad" : severityOf(f) === "warning" ? "warn" : ""}`;
        sev.textContent = severityOf(f);
        const text = document.createElement("span");
        text.className = "finding-text";
        const code = document.createElement("code");
        code.textContent = f.code;
        text.append(code, " ", ...richText(f.message));
        li.append(jump, sev, text);
        if (f.hint) {
          const hint = document.createElement("p");
          hint.className = "finding-hint";
          hint.append(...richText(f.hint));
          li.append(hint);
        }
        const link = lessonLink(f);
        if (link) {
          const p = document.createElement("p");
          p.className = "finding-lesson";
          p.append(link);
          li.append(p);
        }
        return li;
      }),
  );
}

function showProblem(panel, error) {
  panel.dataset.state = error.kind;
  panel.querySelector("[data-findings-summary]").textContent = error.message;
  if (error.kind === "too-large") panel.querySelector("[data-findings-list]").replaceChildren();
}

function mount(textarea, options) {
  const name = textarea.dataset.filename;
  const kind = textarea.dataset.kind || "auto";
  const panel = document.querySelector(`[data-findings-for="${CSS.escape(name)}"]`);
  const wrapToggle = document.querySelector(`[data-wrap-for="${CSS.escape(name)}"]`);
  let saveTimer = null;
  let pausedUntil = 0;
  let retryTimer = null;
  let view = null;

  const checkSource = linter(
    async (v) => {
      const text = v.state.doc.toString();
      const bytes = utf8Bytes(text);
      if (bytes > options.maxBytes) {
        showProblem(panel, new CallError("too-large", tooLargeMessage(name, bytes, options.maxBytes)));
        return [];
      }
      if (Date.now() < pausedUntil) return [];
      try {
        const data = await callJSON(options.checkUrl, { filename: name, kind, text, lab: options.lab }, "POST", {
          name,
          limit: options.maxBytes,
        });
        const findings = data.findings || [];
        renderPanel(panel, name, findings, v);
        return toDiagnostics(v.state.doc, findings);
      } catch (error) {
        if (!(error instanceof CallError)) throw error;
        showProblem(panel, error);
        if (error.kind === "rate-limited") {
          pausedUntil = Date.now() + error.retryAfter * 1000;
          clearTimeout(retryTimer);
          retryTimer = setTimeout(() => v.dispatch({ effects: recheck.of(null) }), error.retryAfter * 1000 + 50);
        }
        return [];
      }
    },
    { delay: 400, needsRefresh: wantsRecheck },
  );

  const themeSlot = new Compartment();
  const wrapSlot = new Compartment();
  const wrapped = () => !wrapToggle || wrapToggle.checked;
  view = new EditorView({
    state: EditorState.create({
      doc: textarea.value,
      extensions: [
        basicSetup,
        EditorView.cspNonce.of(cspNonce),
        themeSlot.of(editorTheme()),
        wrapSlot.of(wrapped() ? EditorView.lineWrapping : []),
        languageFor(name),
        // Handler code is judged by running it, not by the document checker.
        ...(kind === "code" ? [] : [lintGutter(), checkSource]),
        EditorView.updateListener.of((update) => {
          if (!update.docChanged) return;
          textarea.value = update.state.doc.toString();
          textarea.dispatchEvent(new Event("input"));
          if (options.draftUrl) {
            clearTimeout(saveTimer);
            saveTimer = setTimeout(() => saveDraft(options), 800);
          }
        }),
        EditorView.contentAttributes.of({ "aria-label": `Editor for ${name}` }),
      ],
    }),
  });
  if (wrapToggle) {
    wrapToggle.addEventListener("change", () => view.dispatch({ effects: wrapSlot.reconfigure(wrapped() ? EditorView.lineWrapping : []) }));
  }
  window.addEventListener("online", () => view.dispatch({ effects: recheck.of(null) }));
  themes.push({ view, compartment: themeSlot });
  textarea.hidden = true;
  textarea.after(view.dom);
  view.dom.dataset.editorFor = name;
  return view;
}

function saveDraft(options) {
  const files = {};
  document.querySelectorAll("textarea[data-editor]").forEach((t) => {
    files[t.dataset.filename] = t.value;
  });
  const note = document.getElementById("draft-status");
  const big = Object.entries(files).find(([, text]) => utf8Bytes(text) > options.maxBytes);
  if (big) {
    if (note) note.textContent = `Draft not saved: ${big[0]} is over the ${number.format(options.maxBytes)}-byte limit.`;
    return;
  }
  callJSON(options.draftUrl, { files }, "PUT", { name: "the draft", limit: options.maxBytes })
    .then(() => note && (note.textContent = "Draft saved."))
    .catch((error) => note && (note.textContent = `Draft not saved: ${error.message}`));
}

// The divider between instructions and editor: drag (mouse, pen or touch) or arrow keys.
function mountSplitter(layout) {
  const handle = layout.querySelector("[data-splitter]");
  if (!handle) return;
  const KEY = "pa-lab-split";
  const MIN = 25;
  const MAX = 70;
  const clamp = (v) => Math.min(MAX, Math.max(MIN, v));
  const apply = (value, save) => {
    const v = clamp(value);
    layout.style.setProperty("--split", `${v}%`);
    handle.setAttribute("aria-valuenow", String(Math.round(v)));
    handle.setAttribute("aria-valuetext", `Instructions take ${Math.round(v)} % of the width`);
    if (save) {
      try {
        localStorage.setItem(KEY, String(Math.round(v)));
      } catch (e) {
        /* storage blocked: the split lasts for this page */
      }
    }
  };
  let saved = null;
  try {
    saved = parseFloat(localStorage.getItem(KEY));
  } catch (e) {
    /* storage blocked */
  }
  apply(Number.isFinite(saved) ? saved : 45, false);
  const current = () => parseFloat(handle.getAttribute("aria-valuenow"));
  const fromPointer = (event) => {
    const box = layout.getBoundingClientRect();
    return ((event.clientX - box.left) / box.width) * 100;
  };
  handle.addEventListener("pointerdown", (event) => {
    event.preventDefault();
    handle.setPointerCapture(event.pointerId);
    layout.classList.add("is-resizing");
  });
  handle.addEventListener("pointermove", (event) => {
    if (handle.hasPointerCapture(event.pointerId)) apply(fromPointer(event), false);
  });
  const end = (event) => {
    if (!handle.hasPointerCapture(event.pointerId)) return;
    handle.releasePointerCapture(event.pointerId);
    layout.classList.remove("is-resizing");
    apply(current(), true);
  };
  handle.addEventListener("pointerup", end);
  handle.addEventListener("pointercancel", end);
  handle.addEventListener("keydown", (event) => {
    const steps = { ArrowLeft: -5, ArrowRight: 5, Home: MIN - 100, End: 100 };
    if (!(event.key in steps)) return;
    event.preventDefault();
    apply(current() + steps[event.key], true);
  });
  handle.addEventListener("dblclick", () => apply(45, true));
}

const root = document.querySelector("[data-lab-editor]");
if (root) {
  const options = {
    checkUrl: root.dataset.checkUrl,
    draftUrl: root.dataset.draftUrl,
    lab: root.dataset.lab,
    maxBytes: parseInt(root.dataset.maxBytes || "200000", 10),
  };
  root.querySelectorAll("textarea[data-editor]").forEach((t) => mount(t, options));
}
const layout = document.querySelector("[data-lab-layout]");
if (layout) mountSplitter(layout);
