/* Behaviour every page may use, bound by data attributes (the Content-Security-Policy refuses inline
   scripts and on…="" handlers). Delegated from the document, so content swapped in by htmx works too. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) {
      window.print();
      return;
    }
    // A link that goes back a page, and to its href when there is no page to go back to.
    var back = event.target.closest("a[data-history-back]");
    if (back && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });
  document.addEventListener("change", function (event) {
    var field = event.target.closest("[data-autosubmit]");
    if (field && field.form) field.form.submit();
  });
})();
