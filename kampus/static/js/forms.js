/* After a failed submit, move focus to the form's error summary; after a self-check, to its result.
   Without JavaScript the summary is still first in the form, announced (role="alert"), and the
   page title starts with "Error:". */
(function () {
  "use strict";
  function focusFirst() {
    var target = document.querySelector(".error-summary[tabindex], [data-focus-on-load]");
    if (target) {
      target.focus();
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusFirst);
  } else {
    focusFirst();
  }
})();
