/* Live Markdown preview for the module editor (progressive enhancement).
 *
 * Without JavaScript the editor's "Preview" button renders the previews on the
 * server. With it, typing in a section's material posts the text (with the
 * form's CSRF token) to the preview endpoint, which answers with the HTML
 * learners would see: rendered and cleaned on the server by the same renderer
 * as the study page, so what is inserted here is already safe.
 */
(function () {
  "use strict";
  var form = document.querySelector("form.module-editor[data-preview-url]");
  if (!form || !window.fetch || !window.FormData) {
    return;
  }
  var url = form.getAttribute("data-preview-url");
  var tokenInput = form.querySelector('input[name="csrf_token"]');
  var timers = {};
  var sequence = {};

  function refresh(textarea, target) {
    var body = new FormData();
    body.append("csrf_token", tokenInput ? tokenInput.value : "");
    body.append("text", textarea.value);
    var mine = (sequence[textarea.id] || 0) + 1;
    sequence[textarea.id] = mine;
    fetch(url, { method: "POST", body: body, credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html !== null && sequence[textarea.id] === mine) {
          target.innerHTML = html;
        }
      })
      .catch(function () { /* the server-side Preview button still works */ });
  }

  form.addEventListener("input", function (event) {
    var textarea = event.target;
    if (!textarea || textarea.tagName !== "TEXTAREA" || !/^sections-\d+-body(_sv|_en)?$/.test(textarea.id)) {
      return;
    }
    var target = document.getElementById(textarea.id + "-preview");
    if (!target) {
      return;
    }
    window.clearTimeout(timers[textarea.id]);
    timers[textarea.id] = window.setTimeout(function () { refresh(textarea, target); }, 300);
  });
}());
