// The review page: "select all" ticks every row's checkbox.
(function () {
  "use strict";
  var all = document.getElementById("r-all");
  if (!all) return;
  all.addEventListener("change", function () {
    document.querySelectorAll(".r-select").forEach(function (box) { box.checked = all.checked; });
  });
})();
