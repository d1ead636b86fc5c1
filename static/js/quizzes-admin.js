// Question admin: re-render the learner-view preview as the author types (debounced POST of
// the unsaved form to an instructor-only endpoint that returns sanitised HTML).
// The admin loads form media in <head>: wait for the form.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var box = document.getElementById("quiz-live-preview");
  var form = document.getElementById("question_form");
  if (!box || !form) return;
  var timer = null;
  var refresh = function () {
    fetch(box.dataset.url, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) { if (html !== null) box.innerHTML = html; });
  };
  form.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 400);
  });
  form.addEventListener("change", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 100);
  });
});
