// Draws the investment chart with the vendored ECharts; without it the CSS bars stay.
(function () {
  var el = document.getElementById("chart");
  if (!el || !window.echarts) return;
  var d = JSON.parse(document.getElementById("chart-data").textContent);
  el.innerHTML = "";
  window.echarts.init(el).setOption({
    tooltip: { trigger: "axis" },
    legend: { data: ["计划", "完成", "累计计划", "累计完成"] },
    xAxis: { type: "category", data: d.months },
    yAxis: { type: "value", name: "万元" },
    series: [
      { name: "计划", type: "bar", data: d.planned, itemStyle: { color: "#cfd6de" } },
      { name: "完成", type: "bar", data: d.completed, itemStyle: { color: "#2b6cb0" } },
      { name: "累计计划", type: "line", data: d.plan_to_date, lineStyle: { type: "dashed" } },
      { name: "累计完成", type: "line", data: d.done_to_date }
    ]
  });
})();
