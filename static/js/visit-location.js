/* "Ambil lokasi" on the visit form: fills the hidden latitude/longitude/accuracy inputs from
   the phone's location. Without JavaScript or geolocation the button stays hidden and the
   visit is saved without a location. */
(function () {
  "use strict";
  var button = document.getElementById("ambil-lokasi");
  if (!button || !("geolocation" in navigator)) {
    return;
  }
  var status = document.getElementById("lokasi-status");
  var latitude = document.getElementById("id_latitude");
  var longitude = document.getElementById("id_longitude");
  var accuracy = document.getElementById("id_accuracy");
  button.hidden = false;

  function found(position) {
    var coords = position.coords;
    latitude.value = coords.latitude.toFixed(6);
    longitude.value = coords.longitude.toFixed(6);
    accuracy.value = String(Math.round(coords.accuracy));
    status.textContent = button.dataset.done.replace("%(m)s", accuracy.value);
    button.disabled = false;
  }

  function failed(error) {
    status.textContent = error.code === 1 ? button.dataset.denied : button.dataset.failed;
    button.disabled = false;
  }

  button.addEventListener("click", function () {
    button.disabled = true;
    status.textContent = button.dataset.waiting;
    navigator.geolocation.getCurrentPosition(found, failed, {
      enableHighAccuracy: true,
      timeout: 20000,
      maximumAge: 60000
    });
  });
})();
