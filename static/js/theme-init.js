// Runs in <head>, before first paint: apply the saved theme so the page never flashes the wrong
// colours, and mark that scripts run (the small-screen menu needs them).
(function () {
  var root = document.documentElement;
  var saved = null;
  try {
    saved = localStorage.getItem("pa-theme");
  } catch (e) {
    /* storage blocked: follow the OS */
  }
  if (saved === "light" || saved === "dark") root.dataset.theme = saved;
  root.classList.replace("no-js", "js");
})();
