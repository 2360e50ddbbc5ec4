// The report's "Cetak" button opens the browser's print dialog (the page's print CSS lays it out).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () {
    window.print();
  });
});
