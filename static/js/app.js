// Small progressive enhancements shared by every page; pages work without them.
document.addEventListener("htmx:responseError", (event) => {
  const box = document.querySelector("#htmx-error") || document.body.appendChild(Object.assign(document.createElement("div"), {id: "htmx-error", className: "messages"}));
  box.innerHTML = "";
  const item = document.createElement("li");
  item.className = "msg-error";
  item.textContent = `The server answered ${event.detail.xhr.status}: ${event.detail.xhr.responseText.slice(0, 300)}`;
  box.appendChild(item);
});

// <form data-confirm="Question?">: ask before submitting (no inline handlers: the CSP allows none).
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
});

// <a data-back>: step back in history when there is a page to go back to (else follow its href).
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-back]");
  if (link && window.history.length > 1) {
    event.preventDefault();
    window.history.back();
  }
});

// The review navigation: links that would wrap onto a second row move into its "More" menu, the page's
// own link included (then "More" is marked current). Every link stays one click away at any width.
(() => {
  const nav = document.querySelector(".review-nav");
  const more = nav && nav.querySelector(".nav-more");
  if (!more) return;
  const menu = more.querySelector(".nav-more-menu");
  const links = [...nav.querySelectorAll(":scope > a")];
  const fit = () => {
    links.forEach((link) => nav.insertBefore(link, more));
    more.hidden = true;
    const wraps = () => {
      const shown = [...nav.querySelectorAll(":scope > a"), ...(more.hidden ? [] : [more])];
      return shown.some((el) => el.offsetTop > shown[0].offsetTop + 2);
    };
    if (!wraps()) return;
    more.hidden = false;
    let inNav = links.slice();
    while (inNav.length > 1 && wraps()) menu.prepend(inNav.pop());
    more.classList.toggle("current", Boolean(menu.querySelector("[aria-current]")));
  };
  let pending = 0;
  window.addEventListener("resize", () => {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(fit);
  });
  document.addEventListener("click", (event) => {
    if (more.open && !more.contains(event.target)) more.open = false;
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && more.open) {
      more.open = false;
      more.querySelector("summary").focus();
    }
  });
  fit();
})();
