// The printable day list: its Print button (no inline onclick, for the Content-Security-Policy).
document.querySelectorAll("[data-print]").forEach(function (button) {
  "use strict";
  button.addEventListener("click", function () { window.print(); });
});
