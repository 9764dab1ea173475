import MonomythBenchmarks
import MonomythTesting
import Testing
import WordCountPipeline

/// Runs every benchmark figure with quick sizes so that the benchmark keeps
/// working; asserts on the table's shape, never on timings.
@Suite struct BenchmarkSmokeTests {
    @Test func quickRunFillsEveryRow() async throws {
        let options = BenchmarkOptions.quick(amqpURL: TestBroker.url, text: bundledText.path)
        let rows = try await onOwnThread("bench") { try runBenchmarks(options) }
        let table = renderTable(rows)
        for figure in ["embedded: source", "fixed cost", "persistent + confirms", "transient", "round trip, p50", "round trip, p99",
            "place 100 nodes", "CPU", "RSS", "WordCount"]
        {
            #expect(rows.contains { $0.figure.contains(figure) }, "no row for \(figure)")
            #expect(table.contains(figure))
        }
        for row in rows {
            #expect(row.product > 0, "\(row.figure)")
            if let baseline = row.baseline { #expect(baseline > 0, "\(row.figure)") }
        }
    }
}
