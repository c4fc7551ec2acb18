// SPDX-License-Identifier: LGPL-3.0-or-later
// Opened from the file system, the browser will not load the search index: say so plainly
// in the search box instead of offering a search that never answers.
if (location.protocol === "file:") {
  document.addEventListener("DOMContentLoaded", function () {
    document.body.classList.add("search-needs-server");
    document.querySelectorAll(".md-search__input").forEach(function (input) {
      input.placeholder = "Search needs the site served: ispyb-schema site serve";
      input.disabled = true;
    });
  });
}
