// Reloads the public board every data-refresh-seconds, with a button to pause it (WCAG 2.2.1:
// people reading the screen can stop the page from changing under them).
(function () {
  "use strict";
  var body = document.body;
  var seconds = parseInt(body.getAttribute("data-refresh-seconds"), 10);
  var button = document.querySelector(".refresh-toggle");
  if (!seconds || seconds < 10 || !button) {
    return;
  }
  var timer = null;
  function start() {
    timer = window.setTimeout(function () { window.location.reload(); }, seconds * 1000);
  }
  function stop() {
    window.clearTimeout(timer);
    timer = null;
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    var paused = button.getAttribute("aria-pressed") === "true";
    if (paused) {
      start();
    } else {
      stop();
    }
    button.setAttribute("aria-pressed", paused ? "false" : "true");
    button.textContent = button.getAttribute(paused ? "data-label-pause" : "data-label-resume");
  });
  start();
}());
