/* Small enhancements; every page works without them. No inline script: the CSP forbids it. */
document.addEventListener("DOMContentLoaded", function () {
  /* Move focus to the list of form errors, so that screen readers announce it first. */
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
});
