/// The dashboard's static files, compiled in: the style sheet and the script. They are looked up by exact name,
/// so no request can reach a file outside them (`../`, encoded or not, names nothing).
enum DashboardAssets {
    /// A file's content and media type, by name.
    static func file(named name: String) -> (content: String, type: String)? {
        switch name {
        case "dashboard.css": (css, "text/css; charset=utf-8")
        case "dashboard.js": (script, "text/javascript; charset=utf-8")
        default: nil
        }
    }

    static let css = """
        :root { --fg: #1d2330; --muted: #5b6475; --line: #d8dde6; --bg: #f6f7f9; --accent: #2456c7; --bad: #b42318; --ok: #1a7f37; --wait: #9a6700; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
        header { background: #1d2330; color: #fff; padding: 8px 20px; display: flex; gap: 18px; align-items: center; }
        header a { color: #dfe6f5; text-decoration: none; } header a:hover { color: #fff; }
        header .brand { font-weight: 700; color: #fff; margin-right: 12px; }
        header .who { margin-left: auto; color: #aab4c8; font-size: 12px; }
        main { padding: 16px 20px; max-width: 1280px; }
        h1 { font-size: 20px; margin: 4px 0 12px; } h2 { font-size: 16px; margin: 18px 0 8px; }
        .cards { display: flex; flex-wrap: wrap; gap: 10px; }
        .card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; min-width: 120px; }
        .card .n { font-size: 22px; font-weight: 600; } .card .l { color: var(--muted); font-size: 12px; }
        table { border-collapse: collapse; background: #fff; width: 100%; border: 1px solid var(--line); }
        th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { background: #eef1f5; font-weight: 600; font-size: 12px; }
        .status { font-weight: 600; } .status-failed, .status-cancelled { color: var(--bad); } .status-completed { color: var(--ok); }
        .status-waiting { color: var(--wait); } .status-running { color: var(--accent); }
        pre { background: #fff; border: 1px solid var(--line); padding: 8px; overflow: auto; max-height: 320px; margin: 0; }
        form.inline { display: inline-block; margin: 0 6px 6px 0; }
        form.filters { display: flex; flex-wrap: wrap; gap: 8px; align-items: end; margin-bottom: 10px; }
        label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); gap: 2px; }
        input, select, textarea, button { font: inherit; padding: 4px 6px; }
        button { background: var(--accent); color: #fff; border: 0; border-radius: 4px; padding: 5px 12px; cursor: pointer; }
        button.danger { background: var(--bad); } button:disabled { background: #9aa3b2; cursor: default; }
        .error { background: #fde8e7; border: 1px solid #f3b8b3; color: var(--bad); padding: 8px 10px; border-radius: 4px; margin: 8px 0; white-space: pre-wrap; }
        .notice { background: #e8f0fe; border: 1px solid #b7cbf5; padding: 8px 10px; border-radius: 4px; margin: 8px 0; }
        .grid { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
        .actions { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 10px; }
        .tree ul { list-style: none; margin: 0; padding-left: 18px; border-left: 1px dashed var(--line); }
        .tree > ul { padding-left: 0; border: 0; }
        .item { margin: 3px 0; padding: 3px 8px; border: 1px solid var(--line); border-radius: 4px; background: #fff; display: inline-flex; gap: 10px; align-items: center; }
        .item.group { background: #eef1f5; font-weight: 600; }
        .item.current { border: 2px solid var(--accent); background: #e8f0fe; }
        .badge { border-radius: 9px; padding: 0 7px; font-size: 12px; background: #e8f0fe; color: var(--accent); }
        .badge.bad { background: #fde8e7; color: var(--bad); } .badge.zero { background: #f0f1f3; color: #9aa3b2; }
        .muted { color: var(--muted); font-size: 12px; }
        .timeline td.outcome-failed, .timeline td.outcome-compensating, .timeline td.outcome-cancelled { color: var(--bad); font-weight: 600; }
        .timeline td.outcome-compensated { color: var(--wait); font-weight: 600; }
        .pager { margin: 8px 0; display: flex; gap: 12px; }
        svg.chart rect { fill: var(--accent); }
        """

    static let script = """
        // Live updates: the elements marked data-live are fetched again (the same URL) when the event stream reports
        // a change, and swapped in place. The page reads the same without this script.
        (function () {
          "use strict";
          var live = document.querySelectorAll("[data-live]");
          var source = document.body.getAttribute("data-events");
          if (!live.length || !source || !window.EventSource || !window.fetch) return;
          var busy = false, again = false;
          function refresh() {
            if (busy) { again = true; return; }
            busy = true;
            // A fetch that does not answer within 8 s is given up, so that one stuck request cannot stop the updates.
            var controller = window.AbortController ? new AbortController() : null;
            var timer = controller ? setTimeout(function () { controller.abort(); }, 8000) : null;
            fetch(document.body.getAttribute("data-page") || window.location.href,
                  { credentials: "same-origin", signal: controller ? controller.signal : undefined })
              .then(function (response) { return response.text(); })
              .then(function (text) {
                var fresh = new DOMParser().parseFromString(text, "text/html");
                live.forEach(function (element) {
                  var replacement = fresh.getElementById(element.id);
                  if (replacement) element.innerHTML = replacement.innerHTML;
                });
              })
              .catch(function () {})
              .then(function () {
                if (timer) clearTimeout(timer);
                busy = false;
                if (again) { again = false; setTimeout(refresh, 200); }
              });
          }
          var events = new EventSource(source);
          events.addEventListener("process", function () { setTimeout(refresh, 150); });
          // Whatever the stream does, a visible page is read again every 15 s.
          setInterval(function () { if (!document.hidden) refresh(); }, 15000);
        })();
        """
}
