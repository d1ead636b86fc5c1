// Colour theme: "system" (follow the OS), "light" or "dark"; the button cycles through the three
// and the choice is remembered (removing it goes back to following the OS).
(function () {
  var root = document.documentElement;
  var button = document.getElementById("theme-toggle");
  if (!button) return;
  var MODES = ["system", "light", "dark"];
  var NAMES = { system: "System", light: "Light", dark: "Dark" };
  var ICONS = { system: "◐", light: "☀", dark: "☾" };
  function mode() {
    return root.dataset.theme === "light" || root.dataset.theme === "dark" ? root.dataset.theme : "system";
  }
  function store(value) {
    try {
      if (value === "system") localStorage.removeItem("pa-theme");
      else localStorage.setItem("pa-theme", value);
    } catch (e) {
      /* storage blocked: the choice lasts for this page only */
    }
  }
  function show() {
    var m = mode();
    var next = MODES[(MODES.indexOf(m) + 1) % MODES.length];
    var text = "Colour theme: " + NAMES[m] + (m === "system" ? " (follows your device)" : "") + ". Switch to " + NAMES[next];
    button.setAttribute("aria-label", text);
    button.title = text;
    button.dataset.mode = m;
    button.querySelector(".theme-icon").textContent = ICONS[m];
    button.querySelector(".theme-name").textContent = NAMES[m];
  }
  button.addEventListener("click", function () {
    var next = MODES[(MODES.indexOf(mode()) + 1) % MODES.length];
    root.dataset.theme = next === "system" ? "auto" : next;
    store(next);
    show();
  });
  show();
})();
