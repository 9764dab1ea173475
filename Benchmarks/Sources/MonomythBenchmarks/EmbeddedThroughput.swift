import Foundation
import Monomyth
import Synchronization

/// Source → pass-through stage → sink on the in-memory stream under
/// ``LocalRun``, against three threads handing the same batches through
/// locked queues. Both produce, decode, re-encode and consume the same
/// `String` payloads; messages per second until the sink has the last one.
func embeddedThroughput(_ options: BenchmarkOptions) throws -> [BenchmarkRow] {
    let payloads = (0..<options.embeddedMessages).map { "message \($0)" }
    let result = try alternating(
        rounds: options.rounds,
        product: { try embeddedPipeline(payloads, batchSize: options.batchSize) },
        baseline: { threadLoop(payloads, batchSize: options.batchSize) })
    return [
        BenchmarkRow(
            figure: "embedded: source → stage → sink, in memory (batch \(options.batchSize))", unit: "msg/s",
            product: result.product, baseline: result.baseline, target: "≥ 0.5× hand-written threads",
            met: result.product / result.baseline >= 0.5),
        BenchmarkRow(
            figure: "embedded: a one-message run, start to end (fixed cost)", unit: "s",
            product: median(try (0..<max(1, options.rounds)).map { _ in try oneMessageRun() }), baseline: nil,
            target: "—", met: nil),
    ]
}

/// Seconds for ``LocalRun`` to start, complete and close a pipeline that
/// carries one message: what every bounded embedded job pays.
private func oneMessageRun() throws -> Double {
    let run = try LocalRun(
        Pipeline("bench-fixed-cost") {
            Source("produce", batchSize: 1, items: ["one"])
            Stage("pass") { (text: String) in text }
            Sink("consume") { (_: String) in }
        })
    let start = ContinuousClock.now
    try run.start()
    _ = try run.wait(timeout: .seconds(60))
    return (ContinuousClock.now - start).seconds
}

/// Counts consumed messages and notes when the last one arrived.
private final class Tally: Sendable {
    private let expected: Int
    private let count = Atomic<Int>(0)
    private let finished = Mutex<ContinuousClock.Instant?>(nil)

    init(expected: Int) { self.expected = expected }

    func add() {
        if count.add(1, ordering: .relaxed).newValue == expected { finished.withLock { $0 = .now } }
    }

    var finishedAt: ContinuousClock.Instant? { finished.withLock { $0 } }
}

private func embeddedPipeline(_ payloads: [String], batchSize: Int) throws -> Double {
    let tally = Tally(expected: payloads.count)
    let run = try LocalRun(
        Pipeline("bench-embedded") {
            Source("produce", batchSize: batchSize, items: payloads)
            Stage("pass", batchSize: batchSize) { (text: String) in text }
            Sink("consume", batchSize: batchSize) { (_: String) in tally.add() }
        })
    let start = ContinuousClock.now
    try run.start()
    _ = try run.wait(timeout: .seconds(600))
    guard let end = tally.finishedAt else { throw BenchmarkError.failed("the embedded pipeline lost messages") }
    return Double(payloads.count) / (end - start).seconds
}

/// Batches of bodies handed from one thread to the next.
private final class BatchQueue: @unchecked Sendable {
    // `batches` is guarded by `condition`.
    private let condition = NSCondition()
    private var batches: [[[UInt8]]] = []

    func put(_ batch: [[UInt8]]) {
        condition.lock()
        batches.append(batch)
        condition.signal()
        condition.unlock()
    }

    func take() -> [[UInt8]] {
        condition.lock()
        defer { condition.unlock() }
        while batches.isEmpty { condition.wait() }
        return batches.removeFirst()
    }
}

/// The baseline: a producer, a pass-through and a consumer thread. An empty
/// batch marks the end.
private func threadLoop(_ payloads: [String], batchSize: Int) -> Double {
    let toStage = BatchQueue(), toSink = BatchQueue()
    let done = DispatchSemaphore(value: 0)
    let start = ContinuousClock.now
    Thread {
        var index = 0
        while index < payloads.count {
            let end = min(index + batchSize, payloads.count)
            toStage.put(payloads[index..<end].map { Array($0.utf8) })
            index = end
        }
        toStage.put([])
    }.start()
    Thread {
        while case let batch = toStage.take(), !batch.isEmpty {
            toSink.put(batch.map { Array(String(decoding: $0, as: UTF8.self).utf8) })
        }
        toSink.put([])
    }.start()
    Thread {
        var count = 0
        while case let batch = toSink.take(), !batch.isEmpty {
            for body in batch where String(validating: body, as: UTF8.self) != nil { count += 1 }
        }
        precondition(count == payloads.count)
        done.signal()
    }.start()
    done.wait()
    return Double(payloads.count) / (ContinuousClock.now - start).seconds
}
