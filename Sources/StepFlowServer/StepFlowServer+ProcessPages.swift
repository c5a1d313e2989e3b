import Foundation
import HTTPTypes
import Hummingbird
import StepFlow
import StepFlowRuntime

extension StepFlowServer {
    /// The process list: filters in the URL, paging by cursor, bulk actions on the filter.
    func processListPage(_ parameters: [String: String]) async throws -> Response {
        var query = try RequestInput.processQuery(parameters, maxLimit: configuration.maxPageSize)
        if parameters["limit"] == nil { query.limit = 50 }
        let step = query.step
        let records = try await client.list(query)
        let next = records.count == query.limit ? records.last?.id : nil
        let statusOptions: [HTML] = ProcessStatus.allCases.map { status in
            let selected = query.statuses == [status]
            return "<option value=\"\(status.rawValue)\"\(HTML(raw: selected ? " selected" : ""))>\(status.rawValue)</option>"
        }
        let flowOptions: [HTML] = client.registry.names.map { name in
            "<option\(HTML(raw: query.flowName == name ? " selected" : ""))>\(name)</option>"
        }
        let rows: [HTML] = records.map { record in
            let step = record.currentStep
            return """
                <tr><td><a href="\(link("/processes/" + HTML.urlComponent(record.id.rawValue)))">\(record.id.rawValue)</a></td><td>\(record.flowName)</td>\
                <td class="status status-\(record.status.rawValue)">\(record.status.rawValue)</td><td>\(step)</td><td>\(record.stepCount)</td>\
                <td>\(Self.time(record.updatedAt))</td><td>\(record.lastError.map { String($0.prefix(160)) })</td><td>\(Self.labelText(record.labels))</td></tr>
                """
        }
        var filter = parameters.filter { Self.filterFields.contains($0.key) && !$0.value.isEmpty }
        let first: HTML = query.after == nil ? "" : "<a href=\"\(link("/processes"))?\(Self.queryString(filter))\">First page</a>"
        filter["after"] = next?.rawValue
        let more: HTML = next == nil ? "" : "<a href=\"\(link("/processes"))?\(Self.queryString(filter))\">Next page</a>"
        filter["after"] = nil
        let hidden: [HTML] = filter.sorted { $0.key < $1.key }.map { "<input type=\"hidden\" name=\"\($0.key)\" value=\"\($0.value)\">" }
        let bulk: HTML = DashboardPage.mayOperate && !filter.isEmpty
            ? """
            <form class="filters" method="post" action="\(link("/processes/bulk"))">\(DashboardPage.csrfField)\(hidden)
            <label>Bulk action on every process of this filter <select name="action"><option>cancel</option><option>wake</option><option>resume</option><option>pause</option><option>unpause</option></select></label>
            <label>Reason (for cancel, pause) <input name="reason" size="30"></label><button type="submit">Count and confirm…</button></form>
            """
            : ""
        let body: HTML = """
            <h1>Processes</h1>
            <form class="filters" method="get" action="\(link("/processes"))">
            <label>Status <select name="status"><option value="">any</option>\(statusOptions)</select></label>
            <label>Flow <select name="flow"><option value="">any</option>\(flowOptions)</select></label>
            <label>Step <input name="step" value="\(step)" size="40"></label>
            <label>Id prefix <input name="idPrefix" value="\(query.idPrefix)"></label>
            <label>Labels (k=v,…) <input name="labels" value="\(parameters["labels"])"></label>
            <label>Changed after <input name="updatedAfter" value="\(parameters["updatedAfter"])" placeholder="2026-01-01T00:00:00Z"></label>
            <button type="submit">Filter</button></form>
            \(bulk)
            <div id="list-live" data-live>
            <table><tr><th>Id</th><th>Flow</th><th>Status</th><th>Step</th><th>Steps</th><th>Updated</th><th>Last error</th><th>Labels</th></tr>\(rows)</table>
            <div class="pager">\(first)\(more)<span class="muted">\(records.count) shown</span></div></div>
            """
        return DashboardPage(server: self).render(title: "Processes", body: body, events: link("/api/v1/events") + (query.flowName.map { "?flow=" + HTML.urlComponent($0) } ?? ""))
    }

    /// The query fields of the process list's filter (kept in its URL and in its bulk form).
    static let filterFields: Set<String> = ["flow", "status", "idPrefix", "step", "labels", "createdAfter", "createdBefore", "updatedAfter", "updatedBefore", "limit"]

    /// `k=v, k=v`, sorted.
    static func labelText(_ labels: [String: String]) -> String {
        labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
    }

    /// A bulk action on every process of a filter: first a count and a confirmation, then the client's bulk action.
    func bulkAction(_ request: Request) async throws -> Response {
        var request = request
        let form = try await DashboardForm.read(&request, limit: configuration.maxBodySize)
        let name = form["action"] ?? ""
        let reason = (form["reason"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let action = try Self.bulkAction(name, reason: reason)
        let query = try RequestInput.processQuery(form.filter { Self.filterFields.contains($0.key) && $0.key != "limit" }, maxLimit: configuration.maxPageSize)
        let fields = form.filter { (Self.filterFields.contains($0.key) || $0.key == "action" || $0.key == "reason") && !$0.value.isEmpty }
        let back = "\(link("/processes"))?\(Self.queryString(fields.filter { Self.filterFields.contains($0.key) }))"
        guard form["confirm"] == "yes" else {
            var count = 0
            var paged = query
            paged.limit = 1000
            for try await page in client.store.pages(paged) { count += page.count }
            let hidden: [HTML] = fields.sorted { $0.key < $1.key }.map { "<input type=\"hidden\" name=\"\($0.key)\" value=\"\($0.value)\">" }
            return DashboardPage(server: self).render(title: "Confirm", body: """
                <h1>Confirm: \(name) \(count) processes</h1>
                <p>The filter selects <b>\(count)</b> processes now; those the action does not apply to are skipped. \(reason.isEmpty ? "" : "Reason: " + reason)</p>
                <form method="post" action="\(link("/processes/bulk"))">\(DashboardPage.csrfField)\(hidden)<input type="hidden" name="confirm" value="yes">
                <button class="danger" type="submit">\(name) \(count) processes</button> <a href="\(back)">Back</a></form>
                """)
        }
        let result = try await client.bulk(action, matching: query, by: Self.dashboardCaller)
        let skipped: [HTML] = result.skipped.sorted { $0.key < $1.key }.map { "<li>\($0.value) skipped: \($0.key)</li>" }
        return DashboardPage(server: self).render(title: "Done", body: """
            <h1>\(name): \(result.acted) of \(result.matched) processes</h1>
            <ul>\(skipped)</ul>
            <a href="\(back)">Back to the list</a>
            """)
    }

    /// Who the dashboard's commands are recorded as.
    static let dashboardCaller = "dashboard"

    /// The bulk action named `name`; cancel and pause need a reason.
    static func bulkAction(_ name: String, reason: String?) throws -> BulkAction {
        switch name {
        case "cancel": return .cancel(reason: try Self.reason(reason, for: name))
        case "pause": return .pause(reason: try Self.reason(reason, for: name))
        case "wake": return .wake
        case "resume": return .resume
        case "unpause": return .unpause
        default: throw APIError.invalidValue("unknown bulk action '\(name)'; use cancel, wake, resume, pause or unpause")
        }
    }

    /// One process: status, data, signals, history, structure, actions.
    func processPage(_ id: ProcessID, notice: String? = nil, error: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let record = try await client.process(id)
        let history = try await client.history(of: id)
        let signals = try await client.store.signals(of: [id])[id] ?? []
        let flow = client.registry.flow(named: record.flowName)
        let step = flow?.nextStepPath(in: record.state)
        let path = "/processes/" + HTML.urlComponent(id.rawValue)
        let messages: HTML = "\(notice.map { HTML("<div class=\"notice\">\($0)</div>") } ?? "")\(error.map { HTML("<div class=\"error\" id=\"action-error\">\($0)</div>") } ?? "")"
        let timeline: [HTML] = history.reversed().map { entry in
            """
            <tr><td>\(entry.sequence)</td><td>\(Self.time(entry.startedAt))</td><td>\(entry.stepPath)</td>\
            <td class="outcome-\(entry.outcome.rawValue)">\(entry.outcome.rawValue)</td><td>\(String(format: "%.1f ms", entry.duration.timeInterval * 1000))</td>\
            <td>\(entry.error)</td><td>\(entry.worker)</td></tr>
            """
        }
        let signalRows: [HTML] = signals.map { signal in
            "<tr><td>\(Int(signal.sequence))</td><td>\(signal.name)</td><td><pre>\(JSONValue.parse(signal.payload).prettyText)</pre></td><td>\(Self.time(signal.sentAt))</td></tr>"
        }
        let events: [HTML] = record.state.events.map { "<li><code>\($0)</code></li>" }
        let structure: HTML = flow.map { "<div class=\"tree\"><ul>\(tree($0.root, flow: record.flowName, counts: [:], current: step))</ul></div>" }
            ?? "<p class=\"muted\">The server does not know flow \(record.flowName).</p>"
        let signalNames: [HTML] = (flow?.awaitedSignals.keys.sorted() ?? []).map { "<option>\($0)</option>" }
        let targets: [HTML] = ((try? await client.rewindTargets(of: id)) ?? []).map { "<option>\($0)</option>" }
        let mayOperate = DashboardPage.mayOperate
        let actions: HTML = mayOperate
            ? """
            <div class="actions"><h2>Actions</h2>
            <form method="post" action="\(link(path + "/signal"))" id="signal-form">\(DashboardPage.csrfField)
            <label>Signal <select name="name">\(signalNames)</select></label>
            <label>Payload (JSON) <textarea name="payload" rows="3" cols="40">{}</textarea></label>
            <button type="submit">Send signal</button></form><br>
            <form method="post" action="\(link(path + "/cancel"))" id="cancel-form" class="filters">\(DashboardPage.csrfField)
            <label>Reason <input name="reason" size="30" required></label><button class="danger" type="submit">Cancel</button></form>
            <form class="inline" method="post" action="\(link(path + "/wake"))">\(DashboardPage.csrfField)<button type="submit">Wake</button></form>
            <form class="inline" method="post" action="\(link(path + "/resume"))">\(DashboardPage.csrfField)<button type="submit">Resume</button></form>
            <form class="filters" method="post" action="\(link(path + "/pause"))" id="pause-form">\(DashboardPage.csrfField)
            <label>Reason <input name="reason" size="30" required></label><button type="submit">Pause</button></form>
            <form class="inline" method="post" action="\(link(path + "/unpause"))">\(DashboardPage.csrfField)<button type="submit">Unpause</button></form>
            <form class="filters" method="post" action="\(link(path + "/rewind"))" id="rewind-form">\(DashboardPage.csrfField)
            <label>Rewind to step <select name="step">\(targets)</select></label>
            <label>Reason <input name="reason" size="30" required></label><button class="danger" type="submit">Rewind</button></form>
            </div>
            """
            : "<p class=\"muted\">Signed in read-only: no actions.</p>"
        let body: HTML = """
            <h1>Process \(id.rawValue)</h1>\(messages)
            <div id="process-live" data-live>
            <div class="cards">
            <div class="card"><div class="n status status-\(record.status.rawValue)" id="process-status">\(record.status.rawValue)</div><div class="l">status</div></div>
            <div class="card"><div class="n">\(record.stepCount)</div><div class="l">steps</div></div>
            <div class="card"><div class="l">flow</div><div>\(record.flowName)</div></div>
            <div class="card"><div class="l">step</div><div id="process-step">\(step ?? "—")</div></div>
            <div class="card"><div class="l">due</div><div>\(record.dueAt.map(Self.time) ?? "—")</div></div>
            <div class="card"><div class="l">lease</div><div>\(record.lease.map { "\($0.owner) until \(Self.time($0.expiresAt))" } ?? "—")</div></div>
            </div>
            \(record.lastError.map { HTML("<h2>Last error</h2><div class=\"error\">\($0)</div>") } ?? "")
            <div class="grid"><div><h2>Input</h2><pre>\(JSONValue.parse(record.input).prettyText)</pre></div>
            <div><h2>Data</h2><pre>\(JSONValue.parse(record.data).prettyText)</pre></div></div>
            <h2>Labels</h2><p id="process-labels">\(record.labels.isEmpty ? "None." : Self.labelText(record.labels))</p>
            <div class="grid"><div><h2>Structure</h2>\(structure)</div>
            <div><h2>State events</h2><ul>\(events)</ul>
            <h2>Signals</h2><table><tr><th>#</th><th>Name</th><th>Payload</th><th>Sent</th></tr>\(signalRows)</table></div></div>
            <h2>History</h2>
            <table class="timeline" id="timeline"><tr><th>#</th><th>Started</th><th>Step</th><th>Outcome</th><th>Duration</th><th>Error</th><th>Worker</th></tr>\(timeline)</table>
            </div>
            \(actions)
            """
        return DashboardPage(server: self).render(
            title: "Process \(id.rawValue)", body: body, events: link("/api/v1/events") + "?process=" + HTML.urlComponent(id.rawValue),
            page: link(path), status: status
        )
    }

    /// A time as UTC text with milliseconds.
    static func time(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// `fields` as a URL query (sorted, percent-encoded), for links.
    static func queryString(_ fields: [String: String]) -> String {
        fields.sorted { $0.key < $1.key }.map { "\(HTML.urlComponent($0.key))=\(HTML.urlComponent($0.value))" }.joined(separator: "&")
    }
}
