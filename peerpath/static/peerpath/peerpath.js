// Peerpath's only script of its own (no inline script: the Content-Security-Policy forbids it).
// After a form comes back with errors, move focus to the error summary so that screen-reader
// and keyboard users land on the list of what to correct (its links lead to each field).
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
});
