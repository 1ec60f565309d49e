// A note with a progress bar while a batch download is made (form[data-download-progress]). The form
// sends a random ticket; the server sets a cookie with it on the finished file, and the note goes away
// when that cookie appears. Without JavaScript the form is a plain download.
(function () {
  "use strict";
  function ticket() {
    var bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b % 36).toString(36); }).join("");
  }
  function cookie(name) {
    var found = document.cookie.split("; ").filter(function (c) { return c.indexOf(name + "=") === 0; })[0];
    return found ? decodeURIComponent(found.slice(name.length + 1)) : null;
  }
  Array.prototype.forEach.call(document.querySelectorAll("form[data-download-progress]"), function (form) {
    var note = form.querySelector(".download-progress");
    var done = form.querySelector(".download-done");
    var button = form.querySelector("button[type=submit]");
    var field = form.querySelector("input[name=ticket]");
    var name = form.getAttribute("data-cookie");
    form.addEventListener("submit", function () {
      var value = ticket();
      field.value = value;
      note.hidden = false;
      done.hidden = true;
      button.setAttribute("aria-busy", "true");
      button.disabled = true;
      var started = Date.now();
      var timer = window.setInterval(function () {
        var arrived = cookie(name) === value;
        if (arrived || Date.now() - started > 300000) {
          window.clearInterval(timer);
          note.hidden = true;
          done.hidden = !arrived;
          button.removeAttribute("aria-busy");
          button.disabled = false;
        }
      }, 500);
    });
  });
}());
