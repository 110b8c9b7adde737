/* The page a seller waits on while their store is made: poll the job's JSON, go to the dashboard when it is ready,
   reload to show why when it failed. Without JavaScript the page refreshes itself instead. */
(function poll() {
  fetch(window.location.pathname + "?format=json", {headers: {"Accept": "application/json"}, credentials: "same-origin"})
    .then(function (response) { return response.json(); })
    .then(function (state) {
      if (state.status === "done" && state.next) { window.location.assign(state.next); return; }
      if (state.status === "failed") { window.location.reload(); return; }
      setTimeout(poll, 500);
    })
    .catch(function () { setTimeout(poll, 2000); });
})();
