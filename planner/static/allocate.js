/* The allocation screen: keep the sum of the inputs and its mismatch with the parent up to date
   as the user types (the server checks again on save). No library needed. */
(function () {
  "use strict";
  var table = document.getElementById("alloc-table");
  if (!table) { return; }
  var parent = parseInt(table.getAttribute("data-parent"), 10) || 0;
  var locale = document.documentElement.lang === "en" ? "en-US" : "vi-VN";
  var sumCell = document.getElementById("alloc-sum");
  var diffLine = document.getElementById("alloc-diff");

  function parse(text) {
    var plain = (text || "").trim().replace(/[.,\s]/g, "");
    return /^\d+$/.test(plain) ? parseInt(plain, 10) : NaN;
  }

  function update() {
    var sum = 0;
    var inputs = table.querySelectorAll("input.alloc-people");
    for (var i = 0; i < inputs.length; i++) {
      var n = parse(inputs[i].value);
      var rate = document.getElementById("rate-" + inputs[i].getAttribute("data-unit"));
      var denominator = parseInt(inputs[i].getAttribute("data-denominator"), 10) || 0;
      if (isNaN(n)) { if (rate) { rate.textContent = ""; } continue; }
      sum += n;
      if (rate && denominator > 0) {
        rate.textContent = (n / denominator * 100).toLocaleString(locale,
          {minimumFractionDigits: 2, maximumFractionDigits: 2}) + "%";
        // Above the population or labour force: the server will refuse it, say so now.
        rate.className = n > denominator ? "small text-danger fw-semibold" : "small text-muted";
      }
    }
    var diff = sum - parent;
    sumCell.textContent = sum.toLocaleString(locale);
    if (diff === 0) {
      diffLine.textContent = diffLine.getAttribute("data-ok");
      diffLine.className = "text-success";
    } else {
      diffLine.textContent = diffLine.getAttribute("data-mismatch")
        .replace("{d}", (diff > 0 ? "+" : "") + diff.toLocaleString(locale));
      diffLine.className = "text-danger fw-semibold";
    }
  }

  table.addEventListener("input", update);
})();
