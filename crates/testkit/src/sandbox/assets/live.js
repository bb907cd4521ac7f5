// Keeps a sandbox page current: every two seconds, asks whether the page has changed (its
// ETag) and reloads it if so, unless the reader is busy with a form field. The pages work the
// same without this script; only the refresh is then by hand.
(function () {
  "use strict";
  var shown = document.documentElement.getAttribute("data-etag");
  if (!shown || !window.fetch) {
    return;
  }
  function busy() {
    var active = document.activeElement;
    return active && /^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName);
  }
  window.setInterval(function () {
    window.fetch(window.location.href, { method: "HEAD", cache: "no-store" })
      .then(function (response) {
        var now = response.headers.get("ETag");
        if (now && now !== shown && !busy()) {
          window.location.reload();
        }
      })
      .catch(function () {});
  }, 2000);
})();
