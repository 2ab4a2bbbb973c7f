// Bulk actions on the invoice lists: a "select all" box in the header (hidden without
// JavaScript, where each invoice is ticked by hand).
(function () {
  "use strict";
  var form = document.getElementById("bulk-form");
  if (!form) { return; }
  var all = form.querySelector("[data-select-all]");
  var boxes = form.querySelectorAll("input[name=invoice]");
  if (!all || !boxes.length) { return; }
  all.hidden = false;
  all.addEventListener("change", function () {
    boxes.forEach(function (box) { box.checked = all.checked; });
  });
  form.addEventListener("change", function (event) {
    if (event.target === all) { return; }
    var ticked = form.querySelectorAll("input[name=invoice]:checked").length;
    all.checked = ticked === boxes.length;
    all.indeterminate = ticked > 0 && ticked < boxes.length;
  });
})();
