/* A job's page: ask /jobs/<id>.json every 1.5 s and move the progress bar. When the job is done
   its download link appears; when it ends otherwise (a failure, an import's summary), the page
   is loaded again to show what the server says. Without JavaScript the page reloads itself
   (<noscript> refresh) until the job is finished. */
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box) {
    return;
  }
  var state = box.getAttribute("data-state");
  if (state === "done" || state === "failed") {
    return;
  }
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("job-progress");
  var counted = box.querySelector("[data-job-counted]");
  var stateText = box.querySelector("[data-job-state]");
  var download = box.querySelector("[data-job-download]");

  function show(status) {
    bar.value = status.percent;
    bar.textContent = status.percent + " %";
    if (counted.textContent !== status.text) {
      counted.textContent = status.text;
    }
    if (status.state_text && stateText.textContent !== status.state_text) {
      stateText.textContent = status.state_text;
    }
    box.setAttribute("data-state", status.state);
    if (status.state === "done" && status.download_url) {
      var link = download.querySelector("a");
      link.setAttribute("href", status.download_url);
      link.textContent = status.download_text;
      download.hidden = false;
      return true;
    }
    if (status.state === "done" || status.state === "failed") {
      window.location.reload();
      return true;
    }
    return false;
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (status) {
        if (!show(status)) {
          window.setTimeout(poll, 1500);
        }
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }
  window.setTimeout(poll, 1000);
})();
