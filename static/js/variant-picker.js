/* Product pages: choosing another option swaps the price, stock and add-to-cart form in place (the page is fetched
   again for that option) and keeps the choice in the address. Without JavaScript the picker reloads the page. */
(function () {
  var root = document.getElementById("product"), picker = document.getElementById("variant-picker");
  if (!root || !picker) return;
  var variants = JSON.parse(root.dataset.variants);
  picker.addEventListener("change", function (event) {
    var data = variants[event.target.value];
    if (!data) return;
    var url = new URL(window.location.href); url.searchParams.set("variant", event.target.value);
    window.history.replaceState(null, "", url);
    fetch(url, {credentials: "same-origin"}).then(function (r) { return r.text(); }).then(function (html) {
      var next = new DOMParser().parseFromString(html, "text/html");
      ["variant-price", "variant-stock", "add-to-cart"].forEach(function (id) {
        var fresh = next.getElementById(id), current = document.getElementById(id);
        if (fresh && current) current.innerHTML = fresh.innerHTML;
      });
    });
  });
})();
