// Draw every chart on the page from the figure JSON the server built with Plotly.
document.addEventListener("DOMContentLoaded", function () {
  if (typeof Plotly === "undefined") {
    return;
  }
  document.querySelectorAll("[data-chart]").forEach(function (element) {
    var source = document.getElementById(element.dataset.chart);
    if (!source) {
      return;
    }
    var figure = JSON.parse(source.textContent);
    Plotly.newPlot(element, figure.data, figure.layout, {
      displaylogo: false,
      responsive: true,
      // Nothing leaves the council's network: no "share to Plotly Cloud" button.
      showSendToCloud: false,
      showEditInChartStudio: false,
      modeBarButtonsToRemove: ["select2d", "lasso2d", "sendDataToCloud"],
    });
  });
});
