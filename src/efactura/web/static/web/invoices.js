// efactura — invoice pages: line rows, live totals, customer autocomplete, upload progress.
// Every page works without this file: the form posts back to add rows, totals are computed
// by the server when issuing, and the import form is a plain multipart upload.
(function () {
  "use strict";

  var lang = document.documentElement.lang || "es";
  var money = new Intl.NumberFormat(lang, { minimumFractionDigits: 2, maximumFractionDigits: 2 });

  function parseNumber(text) {
    var value = String(text || "").trim().replace(/\s/g, "");
    if (!value) { return null; }
    if (value.indexOf(",") !== -1) { value = value.replace(/\./g, "").replace(",", "."); }
    var number = Number(value);
    return isFinite(number) ? number : null;
  }
  function round2(value) { return Math.round((value + (value >= 0 ? 1e-9 : -1e-9)) * 100) / 100; }
  function show(value) { return value === null || value === undefined || value === "" ? "—" : money.format(Number(value)); }

  // ---------------------------------------------------------------- formset rows
  function renumber(tbody, prefix) {
    var rows = tbody.querySelectorAll("tr");
    var pattern = new RegExp("^(id_)?" + prefix + "-(\\d+|__prefix__)-");
    rows.forEach(function (row, index) {
      row.querySelectorAll("[name], [id], label[for]").forEach(function (el) {
        ["name", "id", "for"].forEach(function (attr) {
          var value = el.getAttribute(attr);
          if (value && pattern.test(value)) {
            el.setAttribute(attr, value.replace(pattern, function (m, id) { return (id || "") + prefix + "-" + index + "-"; }));
          }
        });
      });
    });
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    if (total) { total.value = rows.length; }
  }

  function setupFormsets(form) {
    form.querySelectorAll("[data-add-row]").forEach(function (button) {
      var prefix = button.getAttribute("data-add-row");
      var tbody = form.querySelector('[data-formset="' + prefix + '"] tbody');
      var template = document.getElementById(prefix + "-empty");
      if (!tbody || !template) { return; }
      button.addEventListener("click", function (event) {
        event.preventDefault();
        var index = tbody.querySelectorAll("tr").length;
        var html = template.innerHTML.replace(/__prefix__/g, String(index));
        tbody.insertAdjacentHTML("beforeend", html);
        renumber(tbody, prefix);
        var first = tbody.lastElementChild.querySelector("input, select");
        if (first) { first.focus(); }
        schedulePreview(form);
      });
      tbody.addEventListener("click", function (event) {
        var remove = event.target.closest("[data-remove-line]");
        if (!remove) { return; }
        var row = remove.closest("tr");
        if (prefix === "lines" && tbody.querySelectorAll("tr").length === 1) {
          row.querySelectorAll("input").forEach(function (input) { input.value = ""; });
        } else {
          row.remove();
        }
        renumber(tbody, prefix);
        schedulePreview(form);
      });
    });
    form.addEventListener("change", function (event) {
      if (event.target.matches('select[name$="-tax"]')) {
        var row = event.target.closest("tr");
        var box = row && row.querySelector("[data-exemption]");
        if (box) { box.hidden = event.target.value !== "IVA-E"; }
      }
    });
  }

  // ---------------------------------------------------------------- live totals
  var rates = {};
  var rateNode = document.getElementById("tax-rates");
  if (rateNode) { rates = JSON.parse(rateNode.textContent); }
  var labels = document.getElementById("preview-labels");
  var timer = null;
  var sequence = 0;

  function field(row, suffix) { return row.querySelector('[name$="-' + suffix + '"]'); }

  function localTotals(form) {
    // Instant estimate while the server answers (same rules: round per line, tax per rate).
    var surcharge = form.querySelector('[name="surcharge"]');
    var withholding = parseNumber((form.querySelector('[name="withholding"]') || {}).value) || 0;
    var groups = {}, lines = [], lineSum = 0;
    form.querySelectorAll('[data-formset="lines"] tbody tr').forEach(function (row) {
      var qty = parseNumber(field(row, "quantity").value), price = parseNumber(field(row, "price").value);
      if (qty === null || price === null) { lines.push(null); return; }
      var amount = round2(qty * price);
      var discount = parseNumber(field(row, "discount").value);
      if (discount) { amount = round2(amount - round2(amount * discount / 100)); }
      var key = field(row, "tax").value, info = rates[key] || { rate: "0", surcharge: "" };
      var re = surcharge && surcharge.checked && info.surcharge ? Number(info.surcharge) : 0;
      var gkey = key + "|" + re;
      groups[gkey] = groups[gkey] || { rate: Number(info.rate), surcharge: re, base: 0 };
      groups[gkey].base += amount;
      lines.push(amount);
      lineSum += amount;
    });
    var allowances = 0, charges = 0, keys = Object.keys(groups);
    form.querySelectorAll('[data-formset="adj"] tbody tr').forEach(function (row) {
      var pct = parseNumber(field(row, "percent").value), amt = parseNumber(field(row, "amount").value);
      var value = pct !== null ? round2(lineSum * pct / 100) : (amt || 0);
      var isCharge = field(row, "kind").value === "charge";
      if (isCharge) { charges += value; } else { allowances += value; }
      var target = field(row, "tax").value;
      var gkey = target ? keys.filter(function (k) { return k.indexOf(target + "|") === 0; })[0] : (keys.length === 1 ? keys[0] : null);
      if (gkey) { groups[gkey].base += isCharge ? value : -value; }
    });
    var taxes = 0;
    keys.forEach(function (k) {
      var g = groups[k];
      taxes += round2(g.base * g.rate / 100) + round2(g.base * g.surcharge / 100);
    });
    var net = round2(lineSum - allowances + charges);
    var withheld = withholding ? round2(net * withholding / 100) : 0;
    return { lines: lines, totals: { lines: lineSum, allowances: allowances, charges: charges, net: net, taxes: taxes, withheld: withheld, total: round2(net + taxes - withheld) }, breakdown: null };
  }

  function paint(form, result) {
    var rows = form.querySelectorAll('[data-formset="lines"] tbody tr');
    var used = 0;
    rows.forEach(function (row, i) {
      var cell = row.querySelector("[data-line-amount]");
      var value = result.byRow ? result.byRow[i] : result.lines[i];
      if (cell) { cell.textContent = show(value); }
      if (value !== null && value !== undefined) { used += 1; }
    });
    Object.keys(result.totals).forEach(function (name) {
      var cell = form.querySelector('[data-total="' + name + '"]');
      if (cell) { cell.textContent = show(result.totals[name]); }
    });
    var box = form.querySelector("[data-breakdown]");
    if (box && result.breakdown) {
      box.textContent = "";
      result.breakdown.forEach(function (row) {
        var p = document.createElement("p");
        var label = document.createElement("span");
        label.textContent = row.tax + " " + (row.rate ? money.format(Number(row.rate)) + " %" : "(" + row.category + ")") + " · " + labels.dataset.base + " " + show(row.base);
        var value = document.createElement("span");
        value.textContent = show(row.amount);
        p.appendChild(label); p.appendChild(value); box.appendChild(p);
        if (row.surcharge_rate) {
          var q = document.createElement("p");
          q.innerHTML = "";
          var l2 = document.createElement("span"); l2.textContent = labels.dataset.surcharge + " " + money.format(Number(row.surcharge_rate)) + " %";
          var v2 = document.createElement("span"); v2.textContent = show(row.surcharge_amount);
          q.appendChild(l2); q.appendChild(v2); box.appendChild(q);
        }
      });
    }
  }

  function schedulePreview(form) {
    if (!form.hasAttribute("data-preview-url")) { return; }
    paint(form, localTotals(form));
    clearTimeout(timer);
    timer = setTimeout(function () { serverPreview(form); }, 300);
  }

  function serverPreview(form) {
    var mine = ++sequence;
    var status = form.querySelector("[data-preview-status]");
    fetch(form.getAttribute("data-preview-url"), {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    }).then(function (response) { return response.json(); }).then(function (data) {
      if (mine !== sequence) { return; }
      if (!data.ok) {
        if (status) { status.textContent = labels.dataset.error + " " + data.violations.map(function (v) { return "[" + v.rule + "] " + v.text; }).join(" "); }
        return;
      }
      // The server used only the complete lines: map its amounts back onto the rows.
      var local = localTotals(form), byRow = [], next = 0;
      local.lines.forEach(function (value) { byRow.push(value === null ? null : data.lines[next++]); });
      if (status) { status.textContent = status.getAttribute("data-default") || status.textContent; }
      paint(form, { byRow: byRow, totals: data.totals, breakdown: data.breakdown });
    }).catch(function () { /* offline: the local estimate stays */ });
  }

  // ---------------------------------------------------------------- customer autocomplete
  function setupAutocomplete(form) {
    var wrap = form.querySelector("[data-autocomplete]");
    if (!wrap) { return; }
    var input = wrap.querySelector("input");
    var list = wrap.querySelector("[role=listbox]");
    var url = form.getAttribute("data-customers-url");
    var results = [], active = -1, wait = null;

    function close() { list.hidden = true; input.setAttribute("aria-expanded", "false"); input.removeAttribute("aria-activedescendant"); active = -1; }
    function choose(customer) {
      var map = { customer_tax_id: customer.tax_id, customer_name: customer.name, customer_email: customer.email,
        customer_address: customer.address, customer_postal_code: customer.postal_code, customer_city: customer.city,
        customer_province: customer.province, customer_country: customer.country };
      Object.keys(map).forEach(function (name) {
        var el = form.querySelector('[name="' + name + '"]');
        if (el && map[name] !== undefined) { el.value = map[name] || ""; }
      });
      close();
    }
    function highlight(index) {
      var items = list.querySelectorAll("li");
      items.forEach(function (li, i) { li.setAttribute("aria-selected", i === index ? "true" : "false"); });
      active = index;
      if (items[index]) { input.setAttribute("aria-activedescendant", items[index].id); }
    }
    function render() {
      list.textContent = "";
      results.forEach(function (c, i) {
        var li = document.createElement("li");
        li.id = "customer-option-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        var strong = document.createElement("strong"); strong.textContent = c.name;
        var small = document.createElement("span"); small.className = "muted"; small.textContent = " " + c.tax_id + (c.city ? " · " + c.city : "");
        li.appendChild(strong); li.appendChild(small);
        li.addEventListener("mousedown", function (event) { event.preventDefault(); choose(c); });
        list.appendChild(li);
      });
      list.hidden = results.length === 0;
      input.setAttribute("aria-expanded", results.length ? "true" : "false");
    }
    input.addEventListener("input", function () {
      clearTimeout(wait);
      var q = input.value.trim();
      if (q.length < 2) { results = []; render(); return; }
      wait = setTimeout(function () {
        fetch(url + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
          .then(function (r) { return r.json(); })
          .then(function (data) { results = data.results || []; render(); });
      }, 200);
    });
    input.addEventListener("keydown", function (event) {
      if (list.hidden) { return; }
      if (event.key === "ArrowDown") { event.preventDefault(); highlight(Math.min(active + 1, results.length - 1)); }
      else if (event.key === "ArrowUp") { event.preventDefault(); highlight(Math.max(active - 1, 0)); }
      else if (event.key === "Enter" && active >= 0) { event.preventDefault(); choose(results[active]); }
      else if (event.key === "Escape") { close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  // ---------------------------------------------------------------- upload progress
  function setupUpload(form) {
    var progress = form.querySelector("[data-progress]");
    var bar = progress.querySelector("progress");
    var text = progress.querySelector("[data-progress-text]");
    var label = progress.querySelector("[data-progress-label]");
    var words = form.querySelector("[data-progress-labels]").dataset;
    var input = form.querySelector('input[type="file"]');
    var summary = form.querySelector("[data-file-summary]");
    var zone = form.querySelector("[data-dropzone]");
    function describe() {
      var files = Array.prototype.slice.call(input.files || []);
      var size = files.reduce(function (s, f) { return s + f.size; }, 0);
      summary.textContent = files.length ? files.length + " · " + (size / 1048576).toFixed(1) + " MB" : "";
    }
    input.addEventListener("change", describe);
    ["dragenter", "dragover"].forEach(function (name) { zone.addEventListener(name, function () { zone.classList.add("dragging"); }); });
    ["dragleave", "drop"].forEach(function (name) { zone.addEventListener(name, function () { zone.classList.remove("dragging"); }); });
    form.addEventListener("submit", function (event) {
      if (!window.XMLHttpRequest || !window.FormData || !input.files || !input.files.length) { return; }
      event.preventDefault();
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.responseType = "document";
      progress.hidden = false;
      label.textContent = words.uploading;
      form.querySelector('button[type="submit"]').disabled = true;
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) { bar.removeAttribute("value"); return; }
        var pct = Math.round(e.loaded / e.total * 100);
        bar.value = pct;
        text.textContent = pct + " % · " + (e.loaded / 1048576).toFixed(1) + " / " + (e.total / 1048576).toFixed(1) + " MB";
      });
      xhr.upload.addEventListener("load", function () { bar.removeAttribute("value"); label.textContent = words.checking; text.textContent = ""; });
      xhr.addEventListener("load", function () {
        var doc = xhr.response;
        var fresh = doc && doc.getElementById("main");
        if (!fresh) { label.textContent = words.failed; form.querySelector('button[type="submit"]').disabled = false; return; }
        document.getElementById("main").innerHTML = fresh.innerHTML;
        var report = document.getElementById("report");
        if (report) { report.focus(); }
        init();
      });
      xhr.addEventListener("error", function () { label.textContent = words.failed; form.querySelector('button[type="submit"]').disabled = false; });
      xhr.send(new FormData(form));
    });
  }

  function init() {
    document.querySelectorAll("form.invoice-form").forEach(function (form) {
      setupFormsets(form);
      setupAutocomplete(form);
      form.addEventListener("input", function () { schedulePreview(form); });
      form.addEventListener("change", function () { schedulePreview(form); });
      var status = form.querySelector("[data-preview-status]");
      if (status) { status.setAttribute("data-default", status.textContent); }
      schedulePreview(form);
    });
    document.querySelectorAll("form[data-upload]").forEach(setupUpload);
  }
  init();
})();
