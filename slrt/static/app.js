// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-print]").forEach(function (btn) {
    btn.addEventListener("click", function () { window.print(); });
  });
  // Show the reporter fields only when the reporter is someone else.
  var radios = document.querySelectorAll("input[name=reporter_is_beneficiary]");
  var fields = ["reporter_name", "reporter_relation", "reporter_phone"].map(function (id) {
    var el = document.getElementById(id);
    return el ? el.closest(".field") : null;
  }).filter(Boolean);
  function sync() {
    var other = document.querySelector("input[name=reporter_is_beneficiary][value=tidak]");
    fields.forEach(function (f) { f.hidden = !(other && other.checked); });
  }
  radios.forEach(function (r) { r.addEventListener("change", sync); });
  if (radios.length) { sync(); }
});
