import Foundation
import Hummingbird
import StepFlow
import StepFlowRuntime

extension StepFlowServer {
    /// The figures of the overview: the store's statistics and due counts, the failed processes of the last hour,
    /// and the histories of (at most ``OverviewFigures/recentLimit``) processes changed in the last hour.
    func overviewFigures() async throws -> OverviewFigures {
        let now = client.clock.now
        let hourAgo = now.addingTimeInterval(-3600)
        var figures = OverviewFigures(now: now)
        figures.count(try await client.statistics())
        figures.backlog(count: try await client.store.dueCount(now: now), earliest: try await client.store.nextDueDate())
        var failures = 0
        for try await page in client.store.pages(.changed(since: hourAgo, statuses: [.failed], limit: 500)) {
            for record in page { figures.addFailure(record) }
            failures += page.count
            if failures >= OverviewFigures.failureLimit { break }
        }
        // The histories are read a few at a time: each is a round trip to PostgreSQL, and 200 in a row took ~95 ms.
        let recent = try await client.list(.changed(since: hourAgo, limit: OverviewFigures.recentLimit))
        let client = client
        try await withThrowingTaskGroup(of: [HistoryEntry].self) { group in
            var waiting = recent.makeIterator()
            for _ in 0..<Self.historyReadsAtOnce {
                guard let record = waiting.next() else { break }
                group.addTask { try await client.history(of: record.id) }
            }
            while let history = try await group.next() {
                figures.addSteps(history)
                if let record = waiting.next() { group.addTask { try await client.history(of: record.id) } }
            }
        }
        return figures
    }

    /// How many histories the overview reads at once.
    static let historyReadsAtOnce = 8

    /// Counts by status and flow, steps per minute, due backlog, recent failures.
    func overviewPage() async throws -> Response {
        let figures = try await overviewFigures()
        let statusCards: [HTML] = ProcessStatus.allCases.map { status in
            """
            <a class="card" href="\(link("/processes"))?status=\(status.rawValue)"><div class="n status-\(status.rawValue)">\(figures.byStatus[status] ?? 0)</div><div class="l">\(status.rawValue)</div></a>
            """
        }
        let flowRows: [HTML] = figures.byFlow.keys.sorted().map { flow in
            let counts = figures.byFlow[flow] ?? [:]
            let cells: [HTML] = ProcessStatus.allCases.map { "<td>\(counts[$0] ?? 0)</td>" }
            return "<tr><td><a href=\"\(link("/processes"))?flow=\(HTML.urlComponent(flow))\">\(flow)</a></td>\(cells)</tr>"
        }
        let statusHeads: [HTML] = ProcessStatus.allCases.map { "<th>\($0.rawValue)</th>" }
        let failures: [HTML] = figures.failuresByError.sorted { $0.value > $1.value }.prefix(20).map { error, count in
            "<tr><td>\(count)</td><td>\(error)</td></tr>"
        }
        let failureTable: HTML = failures.isEmpty
            ? "<p class=\"muted\">No process failed in the last hour.</p>"
            : "<table><tr><th>Processes</th><th>Error</th></tr>\(failures)</table>"
        let body: HTML = """
            <h1>Overview</h1>
            <div id="overview-live" data-live>
            <div class="cards">\(statusCards)
            <div class="card"><div class="n">\(figures.dueBacklog)</div><div class="l">due now (backlog)</div></div>
            <div class="card"><div class="n">\(String(format: "%.1f s", figures.oldestDueAge))</div><div class="l">oldest due waits (lag)</div></div>
            <div class="card"><div class="n">\(figures.total)</div><div class="l">processes</div></div>
            </div>
            <h2>Steps per minute, last hour</h2>
            \(Self.chart(figures.stepsPerMinute))
            <p class="muted">From the histories of \(figures.historiesRead) processes changed in the last hour (at most \(OverviewFigures.recentLimit)).</p>
            <h2>By flow</h2>
            <table><tr><th>Flow</th>\(statusHeads)</tr>\(flowRows)</table>
            <h2>Failures in the last hour</h2>
            \(failureTable)
            </div>
            """
        return DashboardPage(server: self).render(title: "Overview", body: body, events: link("/api/v1/events"))
    }

    /// A bar chart of per-minute counts, as inline SVG (no script, no external file).
    static func chart(_ values: [Int]) -> HTML {
        let peak = max(values.max() ?? 0, 1)
        let bars: [HTML] = values.enumerated().map { index, value in
            let height = Int((Double(value) / Double(peak) * 80).rounded())
            return "<rect x=\"\(index * 10)\" y=\"\(90 - height)\" width=\"8\" height=\"\(height)\"><title>\(value) steps, \(59 - index) min ago</title></rect>"
        }
        return """
            <svg class="chart" viewBox="0 0 600 100" width="600" height="100" role="img" aria-label="steps per minute">\(bars)<text x="0" y="99" font-size="9">−60 min</text><text x="560" y="99" font-size="9">now</text><text x="540" y="10" font-size="9">max \(peak)</text></svg>
            """
    }

    /// The counts of `flow`'s processes per step: how many are at each (running, waiting or paused) and failed there
    /// from the store's statistics (`statistics` when the caller has read them for every flow already), the median
    /// time there from the first ``medianSample`` active processes.
    func stepCounts(of flow: any RegisteredFlow, statistics: ProcessStatistics? = nil) async throws -> StepCounts {
        var counts = StepCounts.Builder(flow: flow.name, now: client.clock.now) { $0.currentStep }
        if let statistics {
            counts.count(statistics)
        } else {
            counts.count(try await client.statistics(flow: flow.name))
        }
        let sample = try await client.list(ProcessQuery(flowName: flow.name, statuses: [.running, .waiting, .paused], limit: Self.medianSample))
        for record in sample { counts.addTime(record) }
        return counts.build(paths: Self.stepPaths(of: flow))
    }

    /// How many active processes of a flow the median time per step is taken from.
    static let medianSample = 1000

    /// The flow's steps, as ``StepCounts`` and the process list's `step` filter name them (without the flow's name).
    static func stepPaths(of flow: any RegisteredFlow) -> [String] {
        flow.root.allItems.filter(\.kind.isStep).map { stepName($0.path, flow: flow.name) }
    }

    /// `path` without its flow's name (`deploy.v2/a/b` → `a/b`), as `ProcessRecord.currentStep` writes it.
    static func stepName(_ path: String, flow: String) -> String {
        path.hasPrefix(flow + "/") ? String(path.dropFirst(flow.count + 1)) : path
    }

    /// Each flow's structure as nested steps, with the processes at each step, those failed there, and the median
    /// time there; a step links to the list of its processes.
    func flowMapPage(selected: String?) async throws -> Response {
        let names = client.registry.names.filter { selected == nil || selected == "" || selected == $0 }
        // One read of the statistics for every flow shown, rather than one per flow: each costs about as much.
        let statistics = names.count > 1 ? try await client.statistics() : nil
        var sections: [HTML] = []
        for name in names {
            guard let flow = client.registry.flow(named: name) else { continue }
            let counts = try await stepCounts(of: flow, statistics: statistics)
            let byPath = Dictionary(counts.steps.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
            sections.append("""
                <section><h2>\(name)</h2>
                <p class="muted">\(counts.completed) completed, \(counts.cancelled) cancelled. <a href="\(link("/processes"))?flow=\(HTML.urlComponent(name))">All processes</a></p>
                <div class="tree"><ul>\(tree(flow.root, flow: name, counts: byPath, current: nil))</ul></div></section>
                """)
        }
        return DashboardPage(server: self).render(
            title: "Flow map", body: "<h1>Flow map</h1><div id=\"flowmap-live\" data-live>\(sections)</div>", events: link("/api/v1/events")
        )
    }

    /// One item of a flow's structure and its children, as nested lists.
    func tree(_ item: FlowItem, flow: String, counts: [String: StepCounts.Step], current: String?) -> HTML {
        let children: [HTML] = item.children.map { tree($0, flow: flow, counts: counts, current: current) }
        let nested: HTML = children.isEmpty ? "" : "<ul>\(children)</ul>"
        let isCurrent = current == item.path
        guard item.kind.isStep else {
            return "<li><span class=\"item group\">\(item.kind.description) \(item.name)</span>\(nested)</li>"
        }
        let stepName = Self.stepName(item.path, flow: flow)
        let step = counts[stepName]
        var badges: HTML = ""
        if !counts.isEmpty {
            let active = step?.active ?? 0
            let failed = step?.failed ?? 0
            let median: String = step?.medianSecondsHere.map { String(format: "median %.1f s here", $0) } ?? ""
            badges = """
                <a class="badge\(HTML(raw: active == 0 ? " zero" : ""))" href="\(link("/processes"))?flow=\(HTML.urlComponent(flow))&amp;step=\(HTML.urlComponent(stepName))" title="processes at this step">\(active) here</a>\
                <span class="badge bad\(HTML(raw: failed == 0 ? " zero" : ""))" title="failed at this step">\(failed) failed</span><span class="muted">\(median)</span>
                """
        }
        let compensable: HTML = item.hasCompensation ? " <span class=\"muted\">(compensable)</span>" : ""
        return """
            <li><span class="item\(HTML(raw: isCurrent ? " current" : ""))" data-path="\(item.path)">\(item.kind.description) <b>\(item.name)</b>\(compensable) \(badges)</span>\(nested)</li>
            """
    }
}
