// The invoice form checks the customer's tax ID as it is typed: the server answers with the
// same rules issuing applies (einvoice.identifiers.check_tax_id) and the field itself is marked.
(function () {
  "use strict";
  var form = document.querySelector("form[data-tax-id-url]");
  if (!form) { return; }
  var input = form.querySelector("#id_customer_tax_id");
  var country = form.querySelector("#id_customer_country");
  var out = document.getElementById("id_customer_tax_id-check");
  if (!input || !out) { return; }
  var timer = null;
  var serial = 0;

  function show(valid, message) {
    out.textContent = message || "";
    out.classList.toggle("error", valid === false);
    if (valid === false) {
      input.setAttribute("aria-invalid", "true");
    } else {
      input.removeAttribute("aria-invalid");
    }
  }

  function check() {
    var value = input.value.trim();
    if (value.length < 3) { show(null, ""); return; }
    var mine = ++serial;
    var url = form.getAttribute("data-tax-id-url") + "?tax_id=" + encodeURIComponent(value) +
      "&country=" + encodeURIComponent(country ? country.value : "ES");
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data || mine !== serial) { return; }
        show(data.valid, data.message);
      })
      .catch(function () { /* the server checks again on submit */ });
  }

  function later() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(check, 350);
  }
  input.addEventListener("input", later);
  input.addEventListener("change", check);
  if (country) { country.addEventListener("change", check); }
})();
