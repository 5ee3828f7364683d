// faultline web UI: the little behaviour the pages have. Everything works
// without it; it only saves clicks.
document.addEventListener("DOMContentLoaded", () => {
  // Filters apply as soon as one changes.
  for (const input of document.querySelectorAll("[data-autosubmit]")) {
    input.addEventListener("change", () => input.form && input.form.submit());
  }
  // "show only the application's frames" on the group page.
  for (const box of document.querySelectorAll("[data-toggle-class]")) {
    const target = document.querySelector(box.dataset.target);
    if (!target) continue;
    const apply = () => target.classList.toggle(box.dataset.toggleClass, box.checked);
    box.addEventListener("change", apply);
    apply();
  }
});
