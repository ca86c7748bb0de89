/* Polls a job's progress JSON every second and updates the bar and its text; reloads
   the page when the job has finished so the server shows the outcome. Without
   JavaScript the page keeps its refresh link instead.

   Markup: an element with data-progress-url (the JSON), holding a <progress> element,
   an aria-live element with data-progress-text and, optionally, data-refresh-link.
   JSON: {"percent": 0-100, "text": "1,500 of 10,000 rows checked", "finished": bool}. */
(function () {
  "use strict";
  var box = document.querySelector("[data-progress-url]");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-progress-url");
  var bar = box.querySelector("progress");
  var text = box.querySelector("[data-progress-text]");
  var refresh = box.querySelector("[data-refresh-link]");
  if (refresh) { refresh.hidden = true; }

  function show(data) {
    if (bar) { bar.value = data.percent; bar.textContent = data.percent + "%"; }
    // Only write when the words change, so a screen reader is not told the same twice.
    if (text && text.textContent !== data.text) { text.textContent = data.text; }
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("status " + response.status); }
        return response.json();
      })
      .then(function (data) {
        show(data);
        if (data.finished) { window.location.reload(); } else { window.setTimeout(poll, 1000); }
      })
      .catch(function () {
        // A dropped connection or a restarting server: try again, less often.
        if (refresh) { refresh.hidden = false; }
        window.setTimeout(poll, 5000);
      });
  }

  window.setTimeout(poll, 1000);
})();
