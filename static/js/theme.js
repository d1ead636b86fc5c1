// Dark/light preference: follows the OS until the user picks, then remembers the choice.
(function () {
  var root = document.documentElement;
  var button = document.getElementById("theme-toggle");
  if (!button) return;
  function current() {
    if (root.dataset.theme === "light" || root.dataset.theme === "dark") return root.dataset.theme;
    return window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }
  function label() {
    button.setAttribute("aria-pressed", current() === "dark" ? "true" : "false");
    button.title = "Switch to " + (current() === "dark" ? "light" : "dark") + " theme";
  }
  button.addEventListener("click", function () {
    var next = current() === "dark" ? "light" : "dark";
    root.dataset.theme = next;
    localStorage.setItem("pa-theme", next);
    label();
  });
  label();
})();
