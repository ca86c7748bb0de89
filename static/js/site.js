// Move focus to an error summary when a page shows one, so screen-reader and keyboard
// users hear the problems first (the GOV.UK error summary pattern).
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector("[data-autofocus]");
  if (summary) {
    summary.focus();
  }
});
