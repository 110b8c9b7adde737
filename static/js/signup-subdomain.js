/* Sign-up: suggest the store's subdomain from its name as the seller types, until they type one themselves.
   The page's own rule is written here too, for an instant preview; then the server's answer, which also knows the
   names already taken ("acme-ceramics-2"), replaces it. Without JavaScript an empty field gets the same suggestion
   when the form is sent. */
(function () {
  var form = document.getElementById("signup-form");
  if (!form) { return; }
  var name = form.querySelector("#id_store_name");
  var slug = form.querySelector("#id_slug");
  var preview = document.getElementById("slug-preview");
  if (!name || !slug) { return; }
  var baseDomain = preview ? preview.getAttribute("data-base-domain") : "";
  // The sentence comes from the page, already in the page's language; "{host}" marks where the address goes.
  var template = (preview && preview.getAttribute("data-template")) || "Your store's address will be {host}";
  var typedBySeller = slug.value.trim() !== "";
  var pending = null;
  var asked = 0;

  function localSuggestion(text) {
    var plain = text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/&/g, " and ");
    var result = plain.replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40).replace(/-+$/, "");
    return result.length >= 3 ? result : "";
  }

  function show(value) {
    if (!preview) { return; }
    if (value) {
      preview.textContent = template.replace("{host}", value + "." + baseDomain);
      preview.hidden = false;
    } else {
      preview.hidden = true;
    }
  }

  function askServer(text) {
    var ticket = ++asked;
    fetch("/signup/subdomain/?name=" + encodeURIComponent(text), {headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (answer) {
        // Only the answer to the latest name counts, and never over what the seller typed meanwhile.
        if (!answer || ticket !== asked || typedBySeller || !answer.slug) { return; }
        slug.value = answer.slug;
        show(answer.slug);
      })
      .catch(function () { /* the local suggestion stays; the server suggests again on submit if emptied */ });
  }

  name.addEventListener("input", function () {
    if (typedBySeller) { return; }
    var text = name.value.trim();
    slug.value = localSuggestion(text);
    show(slug.value);
    if (pending) { clearTimeout(pending); }
    if (text) { pending = setTimeout(function () { askServer(text); }, 300); }
  });

  slug.addEventListener("input", function () {
    // Emptying the field hands the choice back to the suggestion.
    typedBySeller = slug.value.trim() !== "";
    show(slug.value.trim());
  });
})();
