// Fundstelle: the little plain JavaScript of the page. Everything works without it.
"use strict";

// Fold case and accents, so "sod" finds "Söder" in a facet list.
function fold(text) {
  return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
}

// The box above a long facet list: show only the names containing what is typed.
function filterFacet(input) {
  const section = document.getElementById(input.dataset.facet);
  const wanted = fold(input.value.trim());
  let shownMore = 0;
  for (const item of section.querySelectorAll("li.facet-value")) {
    const match = !wanted || fold(item.dataset.name).includes(wanted);
    item.hidden = !match;
    if (match && item.closest("details")) shownMore += 1;
  }
  const more = section.querySelector("details.facet-more");
  if (more && wanted) more.open = shownMore > 0;
}

document.addEventListener("DOMContentLoaded", () => {
  for (const input of document.querySelectorAll("input.facet-filter")) {
    input.addEventListener("input", () => filterFacet(input));
  }
  // "/" jumps to the search box, as on many search sites.
  document.addEventListener("keydown", (event) => {
    const box = document.getElementById("q");
    const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName);
    if (event.key === "/" && box && !typing && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      box.focus();
      box.select();
    }
  });
});
