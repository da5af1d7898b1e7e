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

// Start form: the RoB 2 result list offers only the chosen study's extracted results.
(function () {
  "use strict";

  function matchStudy() {
    const study = document.getElementById("start-study");
    const result = document.getElementById("start-result");
    if (!study || !result) return;
    for (const group of result.querySelectorAll("optgroup[data-study]")) {
      const mine = group.dataset.study === study.value;
      group.hidden = !mine;
      group.disabled = !mine;
    }
    const chosen = result.selectedOptions[0];
    if (chosen && chosen.parentElement.disabled) result.value = "";
  }

  document.addEventListener("DOMContentLoaded", () => {
    const study = document.getElementById("start-study");
    if (study) study.addEventListener("change", matchStudy);
    matchStudy();
  });
})();
