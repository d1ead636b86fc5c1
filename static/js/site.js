// Site shell: the small-screen menu, and wide dot diagrams that keep a legible size.
(function () {
  // Menu (small screens): one header row; the links open below it. Escape or a click outside closes.
  var toggle = document.getElementById("menu-toggle");
  var menu = document.getElementById("nav-menu");
  if (toggle && menu) {
    var setOpen = function (open, refocus) {
      menu.classList.toggle("open", open);
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      if (!open && refocus) toggle.focus();
    };
    toggle.addEventListener("click", function () {
      setOpen(!menu.classList.contains("open"), false);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.classList.contains("open")) setOpen(false, true);
    });
    document.addEventListener("click", function (event) {
      if (!menu.classList.contains("open")) return;
      if (!menu.contains(event.target) && !toggle.contains(event.target)) setOpen(false, false);
    });
  }

  // Wide dot diagrams: never shrink below 55 % of their drawn size (about 10 px text); the figure
  // scrolls sideways instead, and becomes focusable so keyboard users can scroll it too.
  document.querySelectorAll(".diagram svg[width$='pt']").forEach(function (svg) {
    var px = (parseFloat(svg.getAttribute("width")) * 4) / 3;
    if (!(px > 0)) return;
    svg.style.minWidth = Math.round(px * 0.55) + "px";
    var figure = svg.closest(".diagram");
    if (figure && figure.scrollWidth > figure.clientWidth + 1) {
      figure.tabIndex = 0;
      figure.setAttribute("role", "region");
      figure.setAttribute("aria-label", (svg.getAttribute("aria-label") || "Diagram") + " (scrolls sideways)");
    }
  });
})();
