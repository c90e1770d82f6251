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

// A long form's summary bar repeats a date typed in the form (<input data-mirror="id">,
// the bar's element carries the date it shows in data-date), so the bar never shows
// another date than the one that will be saved.
document.addEventListener("input", function (event) {
  var id = event.target.getAttribute && event.target.getAttribute("data-mirror");
  var bar = id && document.getElementById(id);
  if (!bar || !event.target.value) { return; }
  bar.textContent = bar.textContent.replace(bar.getAttribute("data-date"), event.target.value);
  bar.setAttribute("data-date", event.target.value);
});
