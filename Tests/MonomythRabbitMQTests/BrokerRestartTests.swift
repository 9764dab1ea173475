import Foundation
import Monomyth
import MonomythTesting
import Synchronization
import Testing

/// Restarts the test broker's RabbitMQ application while a pipeline runs.
///
/// It disturbs every connection to that broker, so `make test` runs this
/// suite on its own, after the others.
@Suite struct BrokerRestartTests {
    /// The ids a sink has seen, from any node thread.
    final class Seen: Sendable {
        let ids = Mutex<[Int: Int]>([:])
        var distinct: Int { ids.withLock { $0.count } }
    }

    @Test func aPipelineResumesByItselfAfterABrokerRestartAndLosesNothing() async throws {
        let suffix = UUID().uuidString.prefix(8).lowercased()
        let total = 3_000
        let seen = Seen()
        let pipeline = Pipeline("restart-\(suffix)") {
            Source("emit-\(suffix)", batchSize: 20, items: Array(0..<total))
            Stage("slow-\(suffix)", batchSize: 10) { (n: Int) in
                Thread.sleep(forTimeInterval: 0.002)
                return n
            }
            Sink("collect-\(suffix)", batchSize: 10) { (n: Int) in seen.ids.withLock { $0[n, default: 0] += 1 } }
        }
        let queues = try pipeline.graph().queues.map(\.name)
        let stream = try TestBroker.stream()
        defer { try? stream.delete(queues: queues) }

        let run = try LocalRun(pipeline, stream: stream)
        try run.start()
        let restart = Task { try await onOwnThread("broker-restart") { try restartBroker(after: 1.0, seen: seen) } }
        let report = try await run.completion()
        let seenBeforeStop = try await restart.value

        #expect(seenBeforeStop < total, "the broker went down while the pipeline was running")
        #expect(seen.distinct == total, "every input reached the sink at least once")
        #expect(report.failed.values.allSatisfy { $0 == 0 })
        let left = try await onOwnThread { try queues.map { try stream.messageCount(of: $0) ?? -1 } }
        #expect(left.allSatisfy { $0 == 0 }, "queues left behind: \(zip(queues, left).map { "\($0)=\($1)" })")
    }

    /// Waits `delay` seconds, stops the broker's RabbitMQ application and
    /// starts it again (whatever happened); returns how many ids the sink had
    /// seen when it stopped.
    private func restartBroker(after delay: TimeInterval, seen: Seen) throws -> Int {
        Thread.sleep(forTimeInterval: delay)
        let before = seen.distinct
        defer { _ = try? rabbitmqctl("start_app") }
        try rabbitmqctl("stop_app")
        Thread.sleep(forTimeInterval: 1.0)
        try rabbitmqctl("start_app")
        return before
    }

    private func rabbitmqctl(_ command: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["rabbitmqctl", command]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw RabbitMQCtlFailed(command: command, status: process.terminationStatus) }
    }
}

struct RabbitMQCtlFailed: Error, CustomStringConvertible {
    var command: String
    var status: Int32
    var description: String { "rabbitmqctl \(command) exited with status \(status)" }
}
