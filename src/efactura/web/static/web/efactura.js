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
  // codes (class "tech"); the choice is remembered in this browser.  Delegated, and kept in
  // step when a page part is replaced (the import report arrives that way).
  var TECH_KEY = "efactura.technical-details";
  var syncTech = function () {
    var on = document.documentElement.classList.contains("show-tech");
    document.querySelectorAll("[data-tech-toggle]").forEach(function (button) {
      button.setAttribute("aria-pressed", on ? "true" : "false");
    });
  };
  var remembered = false;
  try { remembered = window.localStorage.getItem(TECH_KEY) === "1"; } catch (e) { /* private mode */ }
  document.documentElement.classList.toggle("show-tech", remembered);
  syncTech();
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-tech-toggle]");
    if (!button) { return; }
    var on = !document.documentElement.classList.contains("show-tech");
    document.documentElement.classList.toggle("show-tech", on);
    syncTech();
    try { window.localStorage.setItem(TECH_KEY, on ? "1" : "0"); } catch (e) { /* private mode */ }
  });
  if (window.MutationObserver) {
    new MutationObserver(syncTech).observe(document.body, { childList: true, subtree: true });
  }

  // After a refused submit, put the cursor in the first field that needs fixing (the server
  // marks such fields aria-invalid="true"); the error text is right under it, and a screen
  // reader reads it with the field (aria-describedby), whichever template drew the field.
  var fields = document.querySelectorAll("main [aria-invalid='true']:not([type='hidden'])");
  fields.forEach(function (field, n) {
    var box = field.closest(".field, td, fieldset");
    if (!box) { return; }
    var ids = (field.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
    box.querySelectorAll(".error").forEach(function (error, i) {
      if (!error.id) { error.id = (field.id || "field-" + n) + "-error-" + i; }
      if (ids.indexOf(error.id) < 0) { ids.unshift(error.id); }
    });
    if (ids.length) { field.setAttribute("aria-describedby", ids.join(" ")); }
  });
  if (fields.length && typeof fields[0].focus === "function") { fields[0].focus(); }

  // The mail outbox shows an HTML email in a frame as tall as the email: never cut.
  document.querySelectorAll("iframe.mail-frame").forEach(function (frame) {
    var fit = function () {
      try {
        var doc = frame.contentDocument;
        if (!doc || !doc.documentElement) { return; }
        frame.style.height = (doc.documentElement.scrollHeight + 24) + "px";
      } catch (e) { /* another origin: keep the CSS height, the frame scrolls */ }
    };
    frame.addEventListener("load", fit);
    if (frame.contentDocument && frame.contentDocument.readyState === "complete") { fit(); }
  });

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
