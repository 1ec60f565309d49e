// Copy buttons: <button data-copy-target="ID" data-copied="Copied"> copies the text of element ID.
(function () {
  "use strict";
  function textOf(el) {
    return el.value !== undefined ? el.value : el.textContent;
  }
  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok;
  }
  function confirm(button) {
    var original = button.textContent;
    button.textContent = button.getAttribute("data-copied") || "✓";
    setTimeout(function () { button.textContent = original; }, 2000);
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button) { return; }
    var el = document.getElementById(button.getAttribute("data-copy-target"));
    if (!el) { return; }
    var text = textOf(el).trim();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { confirm(button); }, function () {
        if (fallbackCopy(text)) { confirm(button); }
      });
    } else if (fallbackCopy(text)) {
      confirm(button);
    }
  });
})();
