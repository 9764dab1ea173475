import Foundation
import Monomyth
import Testing

/// The dashboard, rendered by headless Chromium after its script ran (in
/// the serialized suite: one HTTP server at a time).
extension ControlHTTPServerTests {
    static let chromium = "/usr/bin/chromium"

    @Test func rendersEveryNodeWithItsCountsAndTheWorkers() throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: Self.chromium),
            "the dashboard test needs Debian's chromium at \(Self.chromium): `make test` installs it")
        let cluster = try Cluster()
        defer { cluster.stop() }
        try cluster.runJob()
        let page = try http("GET", cluster.port, "/")
        #expect(page.status == 200)
        #expect(page.contentType.hasPrefix("text/html"))
        let svgNamespace = "http://www.w3.org/2000/svg"
        #expect(!page.body.replacingOccurrences(of: svgNamespace, with: "").contains("://"), "no fetch beyond this server")

        let screenshot = FileManager.default.temporaryDirectory.appendingPathComponent("dashboard-\(UUID()).png")
        defer { try? FileManager.default.removeItem(at: screenshot) }
        let flags = ["--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=5000", "--window-size=1200,900",
                     "--user-data-dir=" + FileManager.default.temporaryDirectory.appendingPathComponent("chromium-\(UUID())").path]
        let url = "http://127.0.0.1:\(cluster.port)/"
        let (status, dom) = try runProgram(Self.chromium, flags + ["--dump-dom", url])
        #expect(status == 0)

        let expected = [
            "NUMBERS": (Cluster.total, 0), "CHECK": (Cluster.total - Cluster.failing, Cluster.failing),
            "KEEP": (Cluster.total - Cluster.failing, 0),
        ]
        for (type, (processed, failed)) in expected {
            let node = try #require(group(of: type, in: dom), "no node \(type) in the rendered page")
            #expect(node.contains(#">\#(type)</text>"#))
            #expect(node.contains(#"data-count="processed">\#(processed)</tspan>"#), "\(type): \(node)")
            #expect(node.contains(#"data-count="failed">\#(failed)</tspan>"#), "\(type): \(node)")
            #expect(node.contains(#"data-count="completed">1</tspan>"#), "\(type): \(node)")
            #expect(node.contains("msg/s"))
        }
        #expect(dom.contains(#"data-worker="\#(cluster.worker.id)""#))
        #expect(dom.contains("master answering"))

        if let keep = ProcessInfo.processInfo.environment["MONOMYTH_DASHBOARD_SCREENSHOT"] {
            _ = try runProgram(Self.chromium, flags + ["--screenshot=" + keep, url])
        }
    }

    /// The SVG group of node `type`, from its opening tag to its end.
    private func group(of type: String, in dom: String) -> String? {
        guard let start = dom.range(of: #"data-node="\#(type)""#),
              let end = dom.range(of: "</g>", range: start.upperBound..<dom.endIndex) else { return nil }
        return String(dom[start.lowerBound..<end.upperBound])
    }
}
