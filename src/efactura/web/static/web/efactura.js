// efactura: small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // Company switcher: change the company as soon as another one is chosen.
  document.querySelectorAll("form[data-autosubmit] select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // Ask before destructive actions (e.g. revoking an API key).
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });

  // Copy buttons (the new API key).
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var field = document.querySelector(button.getAttribute("data-copy"));
      if (!field) { return; }
      field.select();
      var done = function () { button.textContent = button.getAttribute("data-copied-label"); };
      if (navigator.clipboard) { navigator.clipboard.writeText(field.value).then(done); }
      else { document.execCommand("copy"); done(); }
    });
  });

  // "Technical details": one switch for the whole page showing or hiding the rule ids and
  // codes (class "tech"); the choice is remembered in this browser.
  var TECH_KEY = "efactura.technical-details";
  var toggles = document.querySelectorAll("[data-tech-toggle]");
  var showTech = function (on) {
    document.documentElement.classList.toggle("show-tech", on);
    toggles.forEach(function (button) { button.setAttribute("aria-pressed", on ? "true" : "false"); });
  };
  var remembered = false;
  try { remembered = window.localStorage.getItem(TECH_KEY) === "1"; } catch (e) { /* private mode */ }
  showTech(remembered);
  toggles.forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var on = button.getAttribute("aria-pressed") !== "true";
      showTech(on);
      try { window.localStorage.setItem(TECH_KEY, on ? "1" : "0"); } catch (e) { /* private mode */ }
    });
  });

  // After a refused submit, put the cursor in the first field that needs fixing (the server
  // marks such fields aria-invalid="true"); the error text is right under it.
  var invalid = document.querySelector("main [aria-invalid='true']:not([type='hidden'])");
  if (invalid && typeof invalid.focus === "function") { invalid.focus(); }

  // Close the Tools menu when clicking elsewhere or pressing Escape.
  document.addEventListener("click", function (event) {
    document.querySelectorAll(".has-menu details[open]").forEach(function (details) {
      if (!details.contains(event.target)) { details.removeAttribute("open"); }
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    document.querySelectorAll(".has-menu details[open]").forEach(function (details) {
      details.removeAttribute("open");
      details.querySelector("summary").focus();
    });
  });
})();
