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

const MONTHS = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
                "September", "Oktober", "November", "Dezember"];

// "2024-06-04" -> "4. Juni 2024", "2024-06" -> "Juni 2024", as the server writes dates.
function germanDate(value) {
  if (!value) return "ohne Datum";
  const [year, month, day] = value.slice(0, 10).split("-");
  if (!month) return year;
  const name = MONTHS[Number(month) - 1] || month;
  return day ? `${Number(day)}. ${name} ${year}` : `${name} ${year}`;
}

// The article page's similar articles: read from the API once the text is shown.
// Titles and sources are article data: they only ever become text (textContent).
async function loadSimilar(section) {
  const pending = section.querySelector(".similar-pending");
  if (!pending) return;
  section.setAttribute("aria-busy", "true");
  try {
    const response = await fetch(section.dataset.src, {credentials: "same-origin"});
    if (!response.ok) return;  // the link to the server-rendered list stays
    const data = await response.json();
    let list;
    if (data.hits.length) {
      list = document.createElement("ul");
      for (const hit of data.hits) {
        const item = document.createElement("li");
        const link = document.createElement("a");
        link.href = "/article/" + encodeURIComponent(hit.id);
        link.textContent = hit.title || "(ohne Titel)";
        const meta = document.createElement("span");
        meta.className = "meta";
        meta.textContent = germanDate(hit.date) + (hit.source ? " · " + hit.source : "");
        item.append(link, " ", meta);
        list.append(item);
      }
    } else {
      list = document.createElement("p");
      list.className = "meta";
      list.textContent = "Keine ähnlichen Artikel gefunden.";
    }
    pending.replaceWith(list);
  } catch (error) {
    // Offline or the server stopped: the link to the server-rendered list stays.
  } finally {
    section.removeAttribute("aria-busy");
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const similar = document.getElementById("similar");
  if (similar) loadSimilar(similar);
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
