/* Sale prices: every element with data-ends-at (an ISO time the server rendered) counts down to it each second,
   and says the sale has ended once it has. The server's text stays for browsers without JavaScript. */
(function () {
  var clocks = Array.prototype.slice.call(document.querySelectorAll("[data-ends-at]"));
  if (!clocks.length) return;
  function two(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    var now = Date.now();
    clocks.forEach(function (clock) {
      var left = Math.floor((Date.parse(clock.dataset.endsAt) - now) / 1000);
      if (isNaN(left)) return;
      if (left <= 0) { clock.textContent = "Sale ended"; return; }
      var days = Math.floor(left / 86400), hours = Math.floor(left % 86400 / 3600);
      var minutes = Math.floor(left % 3600 / 60), seconds = left % 60;
      clock.textContent = "Ends in " + (days ? days + " d " : "") + two(hours) + ":" + two(minutes) + ":" + two(seconds);
    });
  }
  tick();
  setInterval(tick, 1000);
})();
