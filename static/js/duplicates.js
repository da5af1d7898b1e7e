// Keyboard deciding on the duplicate queue, as in screening: one pair is highlighted; M merges it,
// N says "not a duplicate", J/K or the arrows move between pairs, ? shows the legend. The buttons
// are the page's own htmx forms (data-dup-key), so the keys can do nothing the page does not offer.
(function () {
  "use strict";

  let current = null;
  let busy = false;

  const pairs = () => Array.from(document.querySelectorAll("#pairs [data-pair]"));

  function isTyping(target) {
    const tag = target && target.tagName;
    return tag === "TEXTAREA" || tag === "SELECT" || tag === "INPUT" || (target && target.isContentEditable);
  }

  function select(pair, scroll = true) {
    if (!pair) return;
    for (const other of pairs()) other.classList.remove("current");
    pair.classList.add("current");
    pair.setAttribute("aria-current", "true");
    current = pair.dataset.pair;
    if (scroll) pair.scrollIntoView({ block: "nearest" });
  }

  function currentPair() {
    return (current && document.querySelector(`#pairs [data-pair="${current}"]`)) || null;
  }

  function move(step) {
    const list = pairs();
    const at = list.indexOf(currentPair());
    select(list[Math.min(Math.max(at + step, 0), list.length - 1)]);
  }

  function nextOpen(after) {
    const list = pairs();
    const at = list.indexOf(after);
    return list.slice(at + 1).find((p) => p.dataset.open) || list.slice(0, at).find((p) => p.dataset.open);
  }

  document.addEventListener("DOMContentLoaded", () => {
    // highlighted, not scrolled to: the page opens at its top (heading, tabs), as any page does
    select(pairs().find((p) => p.dataset.open) || pairs()[0], false);
  });

  const forPair = (event) => event.detail.target && event.detail.target.matches && event.detail.target.matches("[data-pair]");
  document.addEventListener("htmx:beforeRequest", (event) => { if (forPair(event)) busy = true; });
  document.addEventListener("htmx:afterRequest", (event) => { if (forPair(event)) busy = false; });
  document.addEventListener("htmx:afterSwap", (event) => {
    // The decided pair was swapped for its new state: go on to the next pair still to decide.
    const swapped = currentPair();
    if (swapped && !swapped.dataset.open) select(nextOpen(swapped) || swapped);
  });

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target) || event.repeat) return;
    const key = event.key.toLowerCase();
    if (key === "?") {
      const legend = document.getElementById("dup-key-legend");
      if (legend) legend.hidden = !legend.hidden;
    } else if (key === "j" || key === "arrowright" || key === "arrowdown") {
      move(1);
    } else if (key === "k" || key === "arrowleft" || key === "arrowup") {
      move(-1);
    } else if (key === "m" || key === "n") {
      const button = currentPair() && currentPair().querySelector(`[data-dup-key="${key}"]`);
      if (!button || busy) return;
      button.click();
    } else {
      return;
    }
    event.preventDefault();
  });
})();
