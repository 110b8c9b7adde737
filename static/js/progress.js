/* Progress pages of background jobs (CSV import and export): poll the job's JSON and move the bar; reload when
   the job is finished, so the server renders the result. Pages without JavaScript refresh themselves instead.
   A count may name its word between the two numbers (data-progress-of), in the page's language. */
(function () {
  var box = document.querySelector("[data-status-url]");
  if (!box) return;
  var bar = box.querySelector("progress"), count = box.querySelector("[data-progress-count]");
  (function poll() {
    fetch(box.dataset.statusUrl, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (response) { return response.json(); })
      .then(function (state) {
        bar.max = Math.max(state.total, 1);
        bar.value = state.processed;
        if (count) count.textContent = state.processed + " " + (count.dataset.progressOf || "of") + " " + state.total;
        if (state.finished) { window.location.reload(); return; }
        setTimeout(poll, 500);
      })
      .catch(function () { setTimeout(poll, 2000); });
  })();
})();
