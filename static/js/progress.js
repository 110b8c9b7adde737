/* Progress pages of background jobs (CSV import and export): poll the job's JSON and move the bar; reload when
   the job is finished, so the server renders the result. Pages without JavaScript refresh themselves instead. */
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
        if (count) count.textContent = state.processed + " of " + state.total;
        if (state.finished) { window.location.reload(); return; }
        setTimeout(poll, 500);
      })
      .catch(function () { setTimeout(poll, 2000); });
  })();
})();
