/* The cockpit's charts: each reads its data from /api/cockpit/ and every bar or point
   opens the list of matters behind it (the `link` the API gives with each figure). */
(function () {
  "use strict";
  var root = document.getElementById("cockpit");
  if (!root || typeof echarts === "undefined") return;
  var asOf = root.dataset.asOf, year = root.dataset.year;
  var dark = root.dataset.screen === "1";
  var theme = dark ? "dark" : null;
  var bg = dark ? "transparent" : null;

  function get(path, params) {
    var query = new URLSearchParams(params || {});
    return fetch("/api/cockpit/" + path + "?" + query, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); });
  }
  function chart(el) {
    var c = echarts.init(el, theme, { renderer: "svg" });
    c.on("click", function (p) { if (p.data && p.data.link) window.location = p.data.link; });
    window.addEventListener("resize", function () { c.resize(); });
    return c;
  }
  function fig(f) { return { value: f.value, link: f.link }; }
  var asOfParam = asOf ? { as_of: asOf } : {};

  var unitsEl = document.getElementById("chart-units");
  if (unitsEl) get("units", Object.assign({ limit: 12 }, asOfParam)).then(function (data) {
    var rows = data.units.slice().reverse();
    chart(unitsEl).setOption({
      backgroundColor: bg,
      tooltip: { trigger: "axis" },
      legend: { top: 0, data: ["逾期", "久拖未动"] },
      grid: { left: 110, right: 20, top: 30, bottom: 20 },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: rows.map(function (r) { return r.unit.name; }) },
      series: [
        { name: "逾期", type: "bar", stack: "w", color: "#b3261e", data: rows.map(function (r) { return fig(r.overdue); }) },
        { name: "久拖未动", type: "bar", stack: "w", color: "#6b7280", data: rows.map(function (r) { return fig(r.stalled); }) }
      ]
    });
  });

  var trendEl = document.getElementById("chart-trend");
  if (trendEl) get("trend", { year: year }).then(function (data) {
    var m = data.months;
    chart(trendEl).setOption({
      backgroundColor: bg,
      tooltip: { trigger: "axis" },
      legend: { top: 0, data: ["办结", "新增逾期", "月末逾期"] },
      grid: { left: 40, right: 20, top: 30, bottom: 30 },
      xAxis: { type: "category", data: m.map(function (r) { return r.month + "月"; }) },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: "办结", type: "bar", color: "#2e7d32", data: m.map(function (r) { return fig(r.completed); }) },
        { name: "新增逾期", type: "bar", color: "#e07b39", data: m.map(function (r) { return fig(r.newly_overdue); }) },
        { name: "月末逾期", type: "line", color: "#b3261e", data: m.map(function (r) { return fig(r.overdue_at_end); }) }
      ]
    });
  });

  var targetsEl = document.getElementById("chart-targets");
  if (targetsEl) get("targets", { year: year }).then(function (data) {
    if (!data.targets.length) { targetsEl.textContent = "—"; return; }
    data.targets.forEach(function (t) {
      var box = document.createElement("figure");
      var caption = document.createElement("figcaption");
      var link = document.createElement("a");
      link.href = t.link;
      link.textContent = t.name + "（" + t.unit.name + "，" + t.yearly_value + t.measure + "）";
      caption.appendChild(link);
      if (t.projection !== null) caption.appendChild(document.createTextNode(" · 预计全年 " + t.projection));
      var el = document.createElement("div");
      el.className = "chart";
      box.appendChild(caption); box.appendChild(el); targetsEl.appendChild(box);
      var colours = { ahead: "#2e7d32", on_track: "#1a56a8", behind: "#b3261e" };
      chart(el).setOption({
        backgroundColor: bg,
        tooltip: { trigger: "axis" },
        grid: { left: 40, right: 10, top: 10, bottom: 25 },
        xAxis: { type: "category", data: t.months.map(function (r) { return r.month + "月"; }) },
        yAxis: { type: "value", scale: true },
        series: [
          { name: "计划", type: "line", color: "#9aa5b1", lineStyle: { type: "dashed" }, data: t.months.map(function (r) { return { value: r.planned, link: t.link }; }) },
          { name: "实际", type: "line", color: "#1d3557", data: t.months.map(function (r) {
            return { value: r.actual, link: t.link, itemStyle: { color: colours[r.status] || "#1d3557" } };
          }) }
        ]
      });
    });
  });
})();
