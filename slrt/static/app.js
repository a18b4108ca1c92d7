// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-print]").forEach(function (btn) {
    btn.addEventListener("click", function () { window.print(); });
  });
  // The main menu folds behind a button on a phone (CSS shows it whole on wider screens).
  var header = document.querySelector("header.top");
  var toggle = document.querySelector(".menu-toggle");
  if (header && toggle) {
    toggle.hidden = false;
    header.classList.add("menu-closed");
    toggle.setAttribute("aria-expanded", "false");
    toggle.addEventListener("click", function () {
      var closed = header.classList.toggle("menu-closed");
      toggle.setAttribute("aria-expanded", closed ? "false" : "true");
    });
  }
  // A table or chart wider than its box scrolls sideways: reachable by keyboard too.
  function scrollers() {
    document.querySelectorAll(".table-wrap, .chart-box").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth) { box.setAttribute("tabindex", "0"); }
      else { box.removeAttribute("tabindex"); }
    });
  }
  scrollers();
  window.addEventListener("resize", scrollers);
  // An unidentified person: the NIK, KK and address fields are hidden and not sent (the
  // server draws the same mode when it shows the form; a field with an error stays).
  var person = document.querySelector("fieldset.person");
  var unknown = document.getElementById("is_unidentified");
  if (person && unknown) {
    var syncPerson = function () {
      person.classList.toggle("mode-unidentified", unknown.checked);
      person.querySelectorAll(".identified-only:not(.has-error)").forEach(function (f) {
        f.querySelectorAll("input, select, textarea").forEach(function (i) {
          i.disabled = unknown.checked;
        });
      });
    };
    unknown.addEventListener("change", syncPerson);
    syncPerson();
  }
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
  // "Gunakan lokasi saya" on the visit form: fills the GPS fields from the device.
  var place = document.querySelector("[data-lokasi]");
  if (place && navigator.geolocation) {
    var lat = document.getElementById("latitude");
    var lon = document.getElementById("longitude");
    var say = place.querySelector("[role=status]");
    var button = place.querySelector("button");
    place.hidden = false;
    button.addEventListener("click", function () {
      say.textContent = place.dataset.msgWait;
      button.disabled = true;
      navigator.geolocation.getCurrentPosition(function (pos) {
        lat.value = pos.coords.latitude.toFixed(6);
        lon.value = pos.coords.longitude.toFixed(6);
        say.textContent = place.dataset.msgOk;
        button.disabled = false;
      }, function (err) {
        say.textContent = err.code === 1 ? place.dataset.msgDenied : place.dataset.msgFail;
        button.disabled = false;
      }, {enableHighAccuracy: true, timeout: 20000, maximumAge: 60000});
    });
  }
});
