// Peerpath's only script of its own (no inline script: the Content-Security-Policy forbids it).
// After a form comes back with errors, move focus to the error summary so that screen-reader
// and keyboard users land on the list of what to correct (its links lead to each field).
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
});

// Menus (<details class="menu"> in rows, <details class="nav-group"> in the main menu):
// Escape closes the open one and returns focus to its button; a click elsewhere, or
// opening another, closes it. Without this script they still open and close.
var MENUS = "details.menu[open], details.nav-group[open]";
document.addEventListener("keydown", function (event) {
  if (event.key !== "Escape") { return; }
  var open = document.querySelector(MENUS);
  if (open) { open.removeAttribute("open"); open.querySelector("summary").focus(); }
});
document.addEventListener("click", function (event) {
  document.querySelectorAll(MENUS).forEach(function (menu) {
    if (!menu.contains(event.target)) { menu.removeAttribute("open"); }
  });
});
