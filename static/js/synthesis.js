// Analysis pages. Polling of a run's progress is declarative (htmx attributes on the status box, which the
// server answers with HX-Refresh once the run is finished); this only keeps the model-specific settings
// readable: random-effects settings are dimmed for a fixed-effect model and the other way round.
(() => {
  const form = document.querySelector("[data-testid=analysis-form]");
  if (!form) return;
  const model = form.querySelector("#id_model");
  const sync = () => {
    const random = model && model.value === "random";
    for (const [name, on] of [["tau2_method", random], ["hksj", random], ["fixed_method", !random]]) {
      const box = form.querySelector(`.a-${name}`);
      if (box) box.classList.toggle("muted", !on);
    }
  };
  if (model) model.addEventListener("change", sync);
  sync();
})();
