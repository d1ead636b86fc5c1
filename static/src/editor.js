// The lab editor: CodeMirror 6 over each <textarea data-editor>, with the simulator's findings
// shown inline while typing (debounced POST /api/check/) and drafts saved as you go.
import { basicSetup } from "codemirror";
import { EditorView } from "@codemirror/view";
import { Compartment, EditorState } from "@codemirror/state";
import { oneDark } from "@codemirror/theme-one-dark";
import { yaml } from "@codemirror/lang-yaml";
import { json } from "@codemirror/lang-json";
import { linter, lintGutter } from "@codemirror/lint";

function csrfToken() {
  const m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return m ? decodeURIComponent(m[1]) : "";
}

async function postJSON(url, body, method = "POST") {
  const response = await fetch(url, {
    method,
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${response.status}`);
  return response.status === 204 ? null : response.json();
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
new MutationObserver(() => {
  themes.forEach(({ view, compartment }) =>
    view.dispatch({ effects: compartment.reconfigure(editorTheme()) }),
  );
}).observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });

function languageFor(name) {
  return name.endsWith(".json") ? json() : yaml();
}

// Findings carry 1-based line and column; CodeMirror wants document offsets.
function toDiagnostics(doc, findings) {
  return findings.map((f) => {
    const lineNo = Math.min(Math.max(f.line || 1, 1), doc.lines);
    const line = doc.line(lineNo);
    const from = Math.min(line.from + Math.max((f.column || 1) - 1, 0), line.to);
    const to = Math.max(from, line.to);
    const severity = f.severity === "error" ? "error" : f.severity === "warning" ? "warning" : "info";
    const lesson = f.doc ? `\nLesson: /study/${f.doc}/` : "";
    const message = `${f.code}: ${f.message}${f.hint ? `\n${f.hint}` : ""}${lesson}`;
    return { from, to, severity, message, source: f.code };
  });
}

function mount(textarea, options) {
  const name = textarea.dataset.filename;
  const kind = textarea.dataset.kind || "auto";
  const status = document.querySelector(`[data-findings-for="${CSS.escape(name)}"]`);
  let saveTimer = null;

  const checkSource = linter(
    async (view) => {
      const text = view.state.doc.toString();
      try {
        const data = await postJSON(options.checkUrl, { filename: name, kind, text, lab: options.lab });
        const findings = data.findings || [];
        if (status) {
          const errors = findings.filter((f) => f.severity === "error").length;
          status.textContent = errors ? `${errors} error(s) in ${name}` : `No errors in ${name}`;
          status.dataset.errors = String(errors);
        }
        return toDiagnostics(view.state.doc, findings);
      } catch (e) {
        if (status) status.textContent = "Checker unavailable right now; your text is kept.";
        return [];
      }
    },
    { delay: 400 },
  );

  const compartment = new Compartment();
  const view = new EditorView({
    state: EditorState.create({
      doc: textarea.value,
      extensions: [
        basicSetup,
        compartment.of(editorTheme()),
        languageFor(name),
        lintGutter(),
        checkSource,
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
  themes.push({ view, compartment });
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
  postJSON(options.draftUrl, { files }, "PUT")
    .then(() => note && (note.textContent = "Draft saved."))
    .catch(() => note && (note.textContent = "Draft not saved (offline?)."));
}

const root = document.querySelector("[data-lab-editor]");
if (root) {
  const options = {
    checkUrl: root.dataset.checkUrl,
    draftUrl: root.dataset.draftUrl,
    lab: root.dataset.lab,
  };
  root.querySelectorAll("textarea[data-editor]").forEach((t) => mount(t, options));
}
