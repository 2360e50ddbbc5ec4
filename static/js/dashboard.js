/* Draws the dashboard's charts from the numbers the page carries as JSON (json_script);
   the same numbers are in a table next to each chart, so the page reads without this file. */
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") {
    return;
  }
  var COLOURS = ["#0b6e4f", "#e0a100", "#3b6fb6", "#a61b1b"];
  var locale = document.documentElement.lang || "id";
  var integers = new Intl.NumberFormat(locale);
  var compact = new Intl.NumberFormat(locale, { notation: "compact", maximumFractionDigits: 1 });

  function format(value, money) {
    if (value === null || value === undefined) {
      return "–";
    }
    return (money ? "Rp" : "") + integers.format(value);
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source) {
      return;
    }
    var spec = JSON.parse(source.textContent);
    var datasets = spec.datasets.map(function (set, i) {
      return { label: set.label, data: set.data, backgroundColor: COLOURS[i % COLOURS.length] };
    });
    // Axis ticks short (Rp3,5 M), tooltips exact (Rp3.456.000.000).
    var tick = function (value) {
      return spec.money ? "Rp" + compact.format(value) : integers.format(value);
    };
    new window.Chart(canvas, {
      type: "bar",
      data: { labels: spec.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: {
          legend: { display: datasets.length > 1, position: "bottom" },
          tooltip: {
            callbacks: {
              label: function (ctx) { return ctx.dataset.label + ": " + format(ctx.parsed.y, spec.money); }
            }
          }
        },
        scales: {
          x: { stacked: spec.stacked, title: { display: true, text: spec.x_title } },
          y: { stacked: spec.stacked, beginAtZero: true, ticks: { precision: 0, callback: tick } }
        }
      }
    });
    // The chart is drawn: fold its table away (still one click from view).
    var numbers = canvas.closest(".chart").querySelector("details.chart-numbers");
    if (numbers) {
      numbers.removeAttribute("open");
    }
    canvas.setAttribute("data-drawn", "true");
  }

  document.querySelectorAll("canvas[data-chart]").forEach(draw);
})();
