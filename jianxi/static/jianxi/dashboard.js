/* The dashboard's charts (Apache ECharts, from our own static files). The page carries each
   chart's data as JSON in <script type="application/json" id="chart-…"> (Django's json_script:
   data, never executed) beside <div data-chart="chart-…">; this file draws them. Tooltips are
   drawn on the canvas (renderMode "richText"), not as HTML with style attributes, so that the
   Content-Security-Policy (no inline style) has nothing to refuse. Every chart has its table
   beside it: without JavaScript the page still says everything. */
"use strict";

(function () {
  function number(value) {
    return value === null || value === undefined ? null : Number(value);
  }

  function options(spec) {
    if (spec.type === "pie") {
      var serie = spec.series[0];
      return {
        tooltip: { trigger: "item", renderMode: "richText" },
        legend: { bottom: 0, type: "scroll" },
        series: [{
          type: "pie",
          name: serie.name,
          radius: ["35%", "62%"],
          data: spec.x.map(function (name, i) { return { name: name, value: number(serie.data[i]) }; })
        }]
      };
    }
    return {
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: { top: 0, type: "scroll" },
      grid: { left: 16, right: 16, top: 48, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: spec.x, axisLabel: { interval: 0, rotate: spec.x.length > 8 ? 40 : 0 } },
      yAxis: { type: "value" },
      series: spec.series.map(function (s) {
        var line = spec.type === "line" || s.line === true;
        return {
          name: s.name,
          type: line ? "line" : "bar",
          stack: s.stack,
          data: s.data.map(number),
          lineStyle: s.dashed ? { type: "dashed" } : undefined
        };
      })
    };
  }

  function draw() {
    if (!window.echarts) {
      return;
    }
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (element) {
      var source = document.getElementById(element.getAttribute("data-chart"));
      if (!source) {
        return;
      }
      var chart = window.echarts.init(element, null, { renderer: "canvas" });
      chart.setOption(options(JSON.parse(source.textContent)));
      charts.push(chart);
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (chart) { chart.resize(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
