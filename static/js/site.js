// Move focus to an error summary when a page shows one, so screen-reader and keyboard
// users hear the problems first (the GOV.UK error summary pattern).
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector("[data-autofocus]");
  if (summary) {
    summary.focus();
  }
});

// A table wider than the screen scrolls sideways inside its .table-wrap. Keyboard users
// can scroll it only if the wrapper takes focus (WCAG 2.1.1; axe's rule
// scrollable-region-focusable), so every wrapper that scrolls is made a focusable,
// named region: named by its table's caption. Done here once for every page's tables,
// and again when the window's width changes which of them scroll.
function markScrollingTables() {
  document.querySelectorAll(".table-wrap").forEach(function (wrap) {
    if (wrap.scrollWidth > wrap.clientWidth) {
      var caption = wrap.querySelector("caption");
      wrap.setAttribute("tabindex", "0");
      wrap.setAttribute("role", "region");
      wrap.setAttribute(
        "aria-label",
        (caption ? caption.textContent.replace(/\s+/g, " ").trim() + " " : "") + "(table, scrolls sideways)"
      );
    } else {
      wrap.removeAttribute("tabindex");
      wrap.removeAttribute("role");
      wrap.removeAttribute("aria-label");
    }
  });
}
document.addEventListener("DOMContentLoaded", markScrollingTables);
window.addEventListener("resize", markScrollingTables);
