import Foundation
import StepFlowRuntime
import Testing
@testable import StepFlowServer

@Suite struct HTMLTests {
    @Test func interpolatedTextIsEscaped() {
        let evil = #"<script>alert("x")</script>&'"#
        let html: HTML = "<p title=\"\(evil)\">\(evil)</p>"
        #expect(html.description == "<p title=\"&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;\">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;</p>")
        let nested: HTML = "<div>\(html)</div>"
        #expect(nested.description.hasPrefix("<div><p title="))
    }

    @Test func urlComponentsAreEncoded() {
        #expect(HTML.urlComponent("deploy/v1 a&b") == "deploy%2Fv1%20a%26b")
        #expect(HTML.urlComponent("app-001_x.~") == "app-001_x.~")
    }

    @Test func formsAreParsed() {
        #expect(DashboardForm.parse("a=1&b=x+y&c=%3Cz%3E&d") == ["a": "1", "b": "x y", "c": "<z>", "d": ""])
    }

    @Test func overviewFiguresCountStatusesBacklogAndFailures() {
        let now = Date(timeIntervalSince1970: 1_000_000)
        var figures = OverviewFigures(now: now)
        figures.count(ProcessStatistics(groups: [
            .init(flowName: "f.v1", status: .running, step: "a", count: 2),
            .init(flowName: "f.v1", status: .failed, step: "b", count: 3),
            .init(flowName: "g.v1", status: .running, step: nil, count: 1),
        ]))
        #expect(figures.total == 6)
        #expect(figures.byStatus[.running] == 3)
        #expect(figures.byFlow["f.v1"]?[.failed] == 3)
        figures.backlog(count: 2, earliest: now.addingTimeInterval(-30))
        #expect(figures.oldestDueAge == 30)
        figures.backlog(count: 0, earliest: now.addingTimeInterval(60))
        #expect(figures.oldestDueAge == 0)
        func failed(_ updated: Date, _ error: String) -> ProcessRecord {
            ProcessRecord(id: "x", flowName: "f.v1", state: [], input: Data(), data: Data(), status: .failed, dueAt: nil,
                          lastError: error, createdAt: updated, updatedAt: updated)
        }
        figures.addFailure(failed(now.addingTimeInterval(-100), "boom\nstack"))
        figures.addFailure(failed(now.addingTimeInterval(-200), "boom"))
        figures.addFailure(failed(now.addingTimeInterval(-7200), "old"))
        #expect(figures.failuresByError == ["boom": 2])
        let entry = HistoryEntry(sequence: 1, startedAt: now.addingTimeInterval(-90), stepPath: "s", before: [], after: [],
                                 duration: .zero, outcome: .advanced, error: nil, worker: "w", leaseToken: 1)
        figures.addSteps([entry])
        #expect(figures.stepsPerMinute[58] == 1)
    }

    @Test func stepCountsTakeTheMedianTimeHere() {
        let now = Date(timeIntervalSince1970: 1_000_000)
        var builder = StepCounts.Builder(flow: "f.v1", now: now) { $0.lastError }
        builder.count(ProcessStatistics(groups: [
            .init(flowName: "f.v1", status: .waiting, step: "a", count: 3),
            .init(flowName: "f.v1", status: .failed, step: "a", count: 1),
            .init(flowName: "f.v1", status: .completed, step: nil, count: 4),
            .init(flowName: "other.v1", status: .waiting, step: "a", count: 9),
        ]))
        for age in [10.0, 30, 20] {
            builder.addTime(ProcessRecord(id: "x", flowName: "f.v1", state: [], input: Data(), data: Data(), status: .waiting, dueAt: nil,
                                          lastError: "a", createdAt: now, updatedAt: now.addingTimeInterval(-age)))
        }
        let counts = builder.build(paths: ["a", "b"])
        #expect(counts.steps == [
            .init(path: "a", active: 3, failed: 1, medianSecondsHere: 20),
            .init(path: "b", active: 0, failed: 0, medianSecondsHere: nil),
        ])
        #expect(counts.completed == 4)
    }
}
