/* Small behaviours of every page, declared in the markup (the Content Security Policy runs no
   inline script and no on...= attribute):
     <select data-autosubmit>           submits its form when changed
     <button data-confirm="Question?">  asks before submitting or following
     <form data-no-submit>              is never submitted (its controls are read by a script)
     <button data-print>                prints the page
     <input type="checkbox" data-check-all=".selector">  ticks or clears every box it names */
(function () {
  "use strict";

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (!(el instanceof Element)) return;
    if (el.matches("[data-autosubmit]") && el.form) el.form.submit();
    var selector = el.getAttribute("data-check-all");
    if (selector) {
      document.querySelectorAll(selector).forEach(function (box) { box.checked = el.checked; });
    }
  });

  document.addEventListener("click", function (event) {
    var el = event.target instanceof Element ? event.target.closest("[data-confirm], [data-print]") : null;
    if (!el) return;
    if (el.hasAttribute("data-print")) {
      window.print();
      return;
    }
    if (!window.confirm(el.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  });

  document.addEventListener("submit", function (event) {
    if (event.target instanceof Element && event.target.matches("[data-no-submit]")) event.preventDefault();
  }, true);
})();
