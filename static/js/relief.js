/* Behaviour every page may use, bound by data attributes (the Content-Security-Policy refuses inline
   scripts and on…="" handlers). Delegated from the document, so content swapped in by htmx works too. */
(function () {
  "use strict";
  // Unsent form drafts (a visit typed on a slow network) stay in this browser only for the person who typed
  // them: signed out, or someone else signed in on the same phone, and they are gone.
  // An idle sign-out (relief/signin.py) keeps them for their author's return: the login page it leads to
  // says so (data-keep-drafts), and the next sign-in removes any that are not the new user's.
  try {
    var user = document.body ? document.body.dataset.user : "";
    if (!user && document.body && document.body.dataset.keepDrafts) { throw "kept until the next sign-in"; }
    var mine = "relief-visit-draft-" + user + "-";
    for (var i = window.localStorage.length - 1; i >= 0; i--) {
      var key = window.localStorage.key(i);
      if (key && key.indexOf("relief-visit-draft-") === 0 && (!user || key.indexOf(mine) !== 0)) {
        window.localStorage.removeItem(key);
      }
    }
  } catch (e) { /* storage refused: there is nothing to forget */ }
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
    if (!field || !field.form) return;
    // A choice that narrows another (a township, its villages) clears it first: the old one may not belong.
    var cleared = field.dataset.autosubmitClear && field.form.elements[field.dataset.autosubmitClear];
    if (cleared) cleared.value = "";
    field.form.submit();
  });
})();
