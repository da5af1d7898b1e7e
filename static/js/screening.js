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

  // A record must be on screen a moment before a key can vote on it: without this, a fast double press
  // (E E, 60 ms apart) votes on the record the first press brought up before anyone has seen it. The delay
  // starts once the new panel is in the page; the panel says it takes keys with data-keys-ready.
  const KEYS_AFTER_MS = 350;
  let armedPanel = null;

  function armPanel() {
    const panel = document.getElementById("screen-panel");
    if (!panel || panel === armedPanel) return;
    armedPanel = panel;
    fitViewer();
    delete panel.dataset.keysReady;
    // Counted from when htmx has settled the new panel into the page (it is painted in the next frame).
    setTimeout(() => { panel.dataset.keysReady = "1"; }, KEYS_AFTER_MS);
  }

  // The full-text viewer fills the window below where it starts, whatever the header above it takes.
  function fitViewer() {
    const viewer = document.querySelector(".fulltext-viewer iframe, .fulltext-viewer .no-pdf");
    if (!viewer) return;
    const top = viewer.getBoundingClientRect().top + window.scrollY;
    const below = viewer.parentElement.querySelector(".fulltext-link") ? 40 : 16;
    viewer.style.height = `${Math.max(420, window.innerHeight - top - below)}px`;
  }
  window.addEventListener("resize", fitViewer);

  function keysReady() {
    const panel = document.getElementById("screen-panel");
    return !panel || panel.dataset.keysReady === "1";
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", armPanel);
  } else {
    armPanel();
  }
  document.addEventListener("htmx:afterSettle", armPanel);

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
    } else if (keysReady() || !element.closest("#screen-panel")) {
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
