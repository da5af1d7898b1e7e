// Keyboard-first screening: a key press clicks (or focuses) the visible element whose data-key lists that key.
// Pages declare their keys in the HTML (data-key="i", data-key="k arrowleft", data-key-action="focus"), so the
// server decides what is possible and the legend and the bindings cannot drift apart.
(function () {
  "use strict";

  function isTyping(target) {
    const tag = target && target.tagName;
    return tag === "TEXTAREA" || tag === "SELECT" || (tag === "INPUT" && !["radio", "checkbox", "button", "submit"].includes(target.type)) ||
      (target && target.isContentEditable);
  }

  function boundElement(name) {
    for (const element of document.querySelectorAll("[data-key]")) {
      if (element.dataset.key.split(/\s+/).includes(name) && !element.disabled && element.offsetParent !== null) {
        return element;
      }
    }
    return null;
  }

  function toggleLegend() {
    const legend = document.getElementById("key-legend");
    if (legend) legend.hidden = !legend.hidden;
  }

  let busy = false;  // one vote at a time: a held-down key must not vote on the next record too
  // Only requests that replace the voting panel block keys: the progress box refreshing must not.
  const forPanel = (event) => event.detail.target && event.detail.target.id === "screen-panel";
  document.addEventListener("htmx:beforeRequest", (event) => { if (forPanel(event)) busy = true; });
  document.addEventListener("htmx:afterRequest", (event) => { if (forPanel(event)) busy = false; });

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Escape" && isTyping(event.target)) {
      event.target.blur();
      return;
    }
    if (isTyping(event.target)) return;
    if (event.key === "?") {
      toggleLegend();
      event.preventDefault();
      return;
    }
    const element = boundElement(event.key.toLowerCase());
    // A panel htmx has just swapped in is wired up a moment later; a key before that would submit
    // its form as a full page load.
    const settling = document.querySelector("#screen-panel.htmx-added, #screen-panel .htmx-added, .htmx-settling");
    if (!element || busy || settling || event.repeat) return;
    event.preventDefault();
    if (element.dataset.keyAction === "focus") {
      element.focus();
    } else {
      element.click();
    }
  });

  // The server answers a refused vote (e.g. a full-text exclusion without a reason) with 422 and the panel
  // showing why: swap it in like a normal answer.
  document.addEventListener("htmx:beforeSwap", (event) => {
    if (event.detail.xhr.status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
