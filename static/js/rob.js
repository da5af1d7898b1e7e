// Risk-of-bias assessment form: the server decides which signalling questions are shown (data-visible on
// each domain's proposal box, refreshed by htmx as answers change); this shows and hides them to match.
(function () {
  "use strict";

  function applyVisibility(root) {
    for (const box of (root || document).querySelectorAll(".proposal[data-domain][data-visible]")) {
      const shown = new Set(box.dataset.visible.split(/\s+/).filter(Boolean));
      const domain = box.dataset.domain;
      for (const question of document.querySelectorAll('.rob-question[data-domain="' + domain + '"]')) {
        question.hidden = !shown.has(question.dataset.question);
      }
    }
  }

  document.addEventListener("htmx:afterSettle", () => applyVisibility(document));
  document.addEventListener("htmx:oobAfterSwap", () => applyVisibility(document));
  document.addEventListener("DOMContentLoaded", () => applyVisibility(document));
})();
