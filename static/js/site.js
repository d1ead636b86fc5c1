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

  // Diagrams and run pictures scale with their box but never below a legible size: the smallest
  // text stays at MIN_TEXT_PX or more, and a wider picture scrolls sideways (a focusable region,
  // so keyboard users can scroll it too).
  var MIN_TEXT_PX = 11;
  function smallestFont(svg) {
    if (svg.dataset.minFont) return parseFloat(svg.dataset.minFont);
    var sizes = [];
    svg.querySelectorAll("text[font-size]").forEach(function (t) {
      var size = parseFloat(t.getAttribute("font-size"));
      if (size > 0) sizes.push(size);
    });
    return sizes.length ? Math.min.apply(null, sizes) : 14;
  }
  function intrinsicPx(svg) {
    var width = svg.getAttribute("width") || "";
    var value = parseFloat(width);
    if (!(value > 0)) return 0;
    return /pt$/.test(width) ? (value * 4) / 3 : value;
  }
  function legible(svg) {
    var box = svg.viewBox && svg.viewBox.baseVal;
    if (!box || !(box.width > 0) || svg.dataset.sized) return;
    svg.dataset.sized = "1";
    var minWidth = Math.ceil((box.width * MIN_TEXT_PX) / smallestFont(svg));
    var natural = intrinsicPx(svg) || box.width;
    svg.style.width = "100%";
    svg.style.height = "auto";
    svg.style.minWidth = minWidth + "px";
    // Never blown up past a quarter above the drawn size (a small chart on a wide screen).
    svg.style.maxWidth = Math.max(minWidth, Math.round(natural * 1.25)) + "px";
    var figure = svg.closest(".diagram, .picture");
    if (figure && figure.scrollWidth > figure.clientWidth + 1) {
      figure.tabIndex = 0;
      figure.setAttribute("role", "region");
      var name = svg.getAttribute("aria-label") || (svg.querySelector("title") || {}).textContent || "Picture";
      figure.setAttribute("aria-label", name + " (scrolls sideways)");
      addZoom(figure, svg, minWidth);
    }
  }
  // Wider than its box: a button switches between the readable size (scroll to pan) and the
  // whole picture at once (smaller text, for an overview).
  function addZoom(figure, svg, minWidth) {
    if (figure.previousElementSibling && figure.previousElementSibling.classList.contains("picture-zoom")) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "picture-zoom secondary small";
    button.setAttribute("aria-pressed", "false");
    button.textContent = "Show the whole picture";
    button.addEventListener("click", function () {
      var whole = button.getAttribute("aria-pressed") !== "true";
      button.setAttribute("aria-pressed", whole ? "true" : "false");
      button.textContent = whole ? "Back to the readable size" : "Show the whole picture";
      svg.style.minWidth = whole ? "0" : minWidth + "px";
    });
    figure.parentNode.insertBefore(button, figure);
  }
  function sizeAll(root) {
    (root || document).querySelectorAll(".diagram svg, .picture svg").forEach(legible);
  }
  sizeAll(document);
  // Live pages (htmx swaps the submission status every second) get new pictures.
  document.addEventListener("htmx:load", function (event) {
    sizeAll(event.detail && event.detail.elt ? event.detail.elt : document);
  });
})();
