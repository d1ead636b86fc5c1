// Flashcard session keys: Space or Enter shows the answer, then 1–4 rate it (Again, Hard, Good,
// Easy). The page works without JavaScript (the answer is a <details>, ratings are a form).
(function () {
  "use strict";
  var reveal = document.getElementById("fc-reveal");
  if (!reveal) return;
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (target && /^(INPUT|SELECT|TEXTAREA|BUTTON|SUMMARY|A)$/.test(target.tagName)) return;
    if (!reveal.open && (event.key === " " || event.key === "Enter")) {
      event.preventDefault();
      reveal.open = true;
      return;
    }
    if (reveal.open && /^[1-4]$/.test(event.key)) {
      var button = reveal.querySelector('button[name="rating"][value="' + event.key + '"]');
      if (button) {
        event.preventDefault();
        button.click();
      }
    }
  });
})();
