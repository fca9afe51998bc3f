/* Draws each figure of the page: a <div data-figure="ID"> and the JSON Plotly figure in the
   <script type="application/json" id="ID"> that Django's json_script wrote. Points that stand
   for a hypothesis carry its URL in customdata: a click opens it. */
(function () {
  "use strict";

  function urlOf(point) {
    var data = point && point.customdata;
    var url = Array.isArray(data) ? data[0] : data;
    return typeof url === "string" && url.charAt(0) === "/" ? url : null;
  }

  var NARROW = 520; // px: below this, apply the figure's layout.meta.narrow changes

  function merge(target, changes) {
    Object.keys(changes).forEach(function (key) {
      var value = changes[key];
      if (value && typeof value === "object" && !Array.isArray(value) &&
          target[key] && typeof target[key] === "object") {
        merge(target[key], value);
      } else {
        target[key] = value;
      }
    });
  }

  function draw(element) {
    var source = document.getElementById(element.getAttribute("data-figure"));
    if (!source || !window.Plotly) return;
    var figure = JSON.parse(source.textContent);
    var meta = figure.layout.meta;
    if (meta && meta.narrow && element.clientWidth < NARROW) merge(figure.layout, meta.narrow);
    var linked = figure.data.some(function (trace) {
      return Array.isArray(trace.customdata) && trace.customdata.length;
    });
    if (linked) element.classList.add("chart--linked");
    window.Plotly.newPlot(element, figure.data, figure.layout, {
      responsive: true,
      displayModeBar: false,
      displaylogo: false,
      scrollZoom: false,
    }).then(function (plot) {
      plot.on("plotly_click", function (event) {
        var url = urlOf(event.points && event.points[0]);
        if (url) window.location.assign(url);
      });
    });
  }

  document.querySelectorAll("[data-figure]").forEach(draw);
})();
