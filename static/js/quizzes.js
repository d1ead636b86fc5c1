// Exam pages: a countdown from the server's remaining time, and answers saved as you go.
// Everything also works without JavaScript (the form posts normally; the server owns the clock).
(function () {
  "use strict";
  var clock = document.getElementById("exam-clock");
  if (clock) {
    var remaining = parseInt(clock.dataset.remaining, 10);
    var endsAt = Date.now() + remaining * 1000;
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    var tick = function () {
      var left = Math.max(0, Math.round((endsAt - Date.now()) / 1000));
      var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
      clock.textContent = (h ? h + ":" + pad(m) : pad(m)) + ":" + pad(s);
      if (left === 0) {
        // The server submits at the deadline; reloading shows the result.
        window.clearInterval(timer);
        window.location.reload();
      }
    };
    var timer = window.setInterval(tick, 1000);
    tick();
  }

  var form = document.getElementById("answer-form");
  if (!form || !form.dataset.autosave) return;
  var status = document.getElementById("save-status");
  var say = function (text) { if (status) status.textContent = text; };
  var save = function () {
    var data = new FormData(form);
    say("Saving…");
    fetch(form.dataset.autosave, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Autosave": "1", "Accept": "application/json" },
    }).then(function (response) {
      if (response.status === 409) {
        return response.json().then(function (body) { window.location.href = body.result_url; });
      }
      if (!response.ok) {
        return response.json().then(function (body) { say(body.detail || "Not saved"); });
      }
      say("Saved");
      form.dataset.saved = "1";
    }).catch(function () { say("Not saved: check your connection"); });
  };
  form.addEventListener("change", function (event) {
    if (event.target.name === "option" || event.target.name === "flagged") save();
  });
})();
