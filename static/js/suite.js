// Inline formsets: "Add row" clones the empty form and bumps TOTAL_FORMS.
document.addEventListener("click", (event) => {
  const button = event.target.closest(".add-row");
  if (!button) return;
  const card = button.closest(".inline-formset");
  const prefix = card.dataset.prefix;
  const total = card.querySelector(`input[name="${prefix}-TOTAL_FORMS"]`);
  const html = card.querySelector("template.formset-empty").innerHTML.replaceAll("__prefix__", total.value);
  card.querySelector(".formset-rows").insertAdjacentHTML("beforeend", html);
  total.value = String(Number(total.value) + 1);
});
