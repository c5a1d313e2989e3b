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
        func record(_ id: String, _ status: ProcessStatus, due: Date?, updated: Date, error: String? = nil) -> ProcessRecord {
            ProcessRecord(id: ProcessID(id), flowName: "f.v1", state: [], input: Data(), data: Data(), status: status, dueAt: due,
                          lastError: error, createdAt: updated, updatedAt: updated)
        }
        figures.add(record("a", .running, due: now.addingTimeInterval(-30), updated: now.addingTimeInterval(-30)))
        figures.add(record("b", .waiting, due: now.addingTimeInterval(60), updated: now.addingTimeInterval(-10)))
        figures.add(record("c", .failed, due: nil, updated: now.addingTimeInterval(-100), error: "boom\nstack"))
        figures.add(record("d", .failed, due: nil, updated: now.addingTimeInterval(-200), error: "boom"))
        figures.add(record("e", .failed, due: nil, updated: now.addingTimeInterval(-7200), error: "old"))
        #expect(figures.total == 5)
        #expect(figures.byStatus[.failed] == 3)
        #expect(figures.dueBacklog == 1)
        #expect(figures.oldestDueAge == 30)
        #expect(figures.failuresByError == ["boom": 2])
        let entry = HistoryEntry(sequence: 1, startedAt: now.addingTimeInterval(-90), stepPath: "s", before: [], after: [],
                                 duration: .zero, outcome: .advanced, error: nil, worker: "w", leaseToken: 1)
        figures.addSteps([entry])
        #expect(figures.stepsPerMinute[58] == 1)
    }

    @Test func stepCountsTakeTheMedianTimeHere() {
        let now = Date(timeIntervalSince1970: 1_000_000)
        var builder = StepCounts.Builder(flow: "f.v1", now: now) { $0.lastError }
        for (age, status) in [(10.0, ProcessStatus.running), (30, .waiting), (20, .running), (0, .failed)] {
            builder.add(ProcessRecord(id: "x", flowName: "f.v1", state: [], input: Data(), data: Data(), status: status, dueAt: nil,
                                      lastError: "f.v1/a", createdAt: now, updatedAt: now.addingTimeInterval(-age)))
        }
        let counts = builder.build(paths: ["f.v1/a", "f.v1/b"])
        #expect(counts.steps == [
            .init(path: "f.v1/a", active: 3, failed: 1, medianSecondsHere: 20),
            .init(path: "f.v1/b", active: 0, failed: 0, medianSecondsHere: nil),
        ])
    }
}
