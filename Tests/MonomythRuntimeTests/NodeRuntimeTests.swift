import Foundation
import Monomyth
import MonomythTesting
import Synchronization
import Testing

struct Odd: Error, CustomStringConvertible {
    let number: Int
    var description: String { "\(number) is odd" }
}

@Suite struct NodeRuntimeTests {
    @Test func aStagePullsInBatchesOfItsBatchSize() async throws {
        let sizes = Mutex<[Int]>([])
        let harness = try PipelineHarness(Pipeline("batches") {
            Stage("double", batchSize: 10) { (number: Int) in number * 2 }
            Sink("record", batchSize: 10) { (number: Int) in sizes.withLock { $0.append(number) } }
        })
        try harness.push(Array(1...25), into: "double")

        let report = try await harness.run()

        #expect(report.batches["DOUBLE"] == 3, "25 messages waiting, 10 a batch")
        #expect(report.processed["DOUBLE"] == 25)
        #expect(sizes.withLock { $0.sorted() } == (1...25).map { $0 * 2 })
    }

    @Test func aThrowingTransformSendsThatMessageToTheFailQueueAndCarriesOn() async throws {
        let harness = try PipelineHarness(Stage("evens", batchSize: 4) { (number: Int) in
            guard number % 2 == 0 else { throw Odd(number: number) }
            return number
        })
        try harness.push(Array(1...6), into: "evens")

        let report = try await harness.run()

        #expect(try harness.items(on: "EVENS-to-END", as: Int.self) == [2, 4, 6])
        let failures = harness.failures(of: "evens")
        #expect(failures.map(\.body) == [1, 3, 5].map { Array(String($0).utf8) }, "the original bodies, untouched")
        #expect(failures.map(\.failureReason) == ["transform threw: 1 is odd", "transform threw: 3 is odd", "transform threw: 5 is odd"])
        #expect(failures.allSatisfy { $0.headers[Message.failedNodeHeader] == "EVENS" })
        #expect(report.failed["EVENS"] == 3)
        #expect(harness.stream.depth(of: "START-to-EVENS") == (0, 0), "every message settled")
    }

    @Test func aThrowingSinkSendsThatMessageToTheFailQueue() async throws {
        let harness = try PipelineHarness(Sink("store") { (number: Int) in
            if number == 2 { throw Odd(number: number) }
        })
        try harness.push([1, 2, 3], into: "store")

        let report = try await harness.run()

        #expect(harness.failures(of: "store").map(\.failureReason) == ["consume threw: 2 is odd"])
        #expect(report.processed["STORE"] == 2)
    }

    @Test func aSinksBatchHooksBracketEachBatch() async throws {
        let log = EventLog()
        let harness = try PipelineHarness(Sink("store", batchSize: 10) { BatchRecorder(log: log, failFirstFinish: false) })
        try harness.push(Array(1...25), into: "store")

        try await harness.run()

        let batches = log.all.split(separator: "finish").map { Array($0) }
        #expect(batches.map(\.first) == ["begin", "begin", "begin"])
        #expect(batches.map { $0.count - 1 } == [10, 10, 5])
    }

    @Test func aBatchWhoseFinishThrowsGoesBackToItsQueueWhole() async throws {
        let log = EventLog()
        let harness = try PipelineHarness(Sink("store", batchSize: 10) { BatchRecorder(log: log, failFirstFinish: true) })
        try harness.push(Array(1...5), into: "store")

        let report = try await harness.run()

        let consumed = log.all.filter { $0.hasPrefix("consume ") }
        #expect(consumed == (1...5).map { "consume \($0)" } + (1...5).map { "consume \($0)" }, "delivered again, whole")
        #expect(report.processed["STORE"] == 5, "counted once: the first attempt was not acknowledged")
        #expect(harness.failures(of: "store").isEmpty)
        #expect(harness.stream.depth(of: "START-to-STORE") == (0, 0))
    }

    @Test func waitingForARunThatWasNeverStartedIsAnError() async throws {
        let run = try LocalRun(Pipeline("idle") { Stage("echo") { (text: String) in text } })
        #expect(throws: RunError.notStarted) { try run.wait(timeout: .seconds(1)) }
        await #expect(throws: RunError.notStarted) { try await run.completion() }
    }

    @Test func anUndecodableBodyGoesToTheFailQueueWithTheReason() async throws {
        struct Point: Codable { var x: Int }
        let harness = try PipelineHarness(Stage("read-point") { (point: Point) in point.x })
        try harness.push(bodies: [Array(#"{"x": 7}"#.utf8), Array("not json".utf8), Array(#"{"y": 1}"#.utf8)],
                         onto: "START-to-READ-POINT")

        try await harness.run()

        #expect(try harness.items(on: "READ-POINT-to-END", as: Int.self) == [7])
        let failures = harness.failures(of: "read-point")
        #expect(failures.map(\.id) == ["test:1", "test:2"])
        #expect(failures.map(\.body) == [Array("not json".utf8), Array(#"{"y": 1}"#.utf8)])
        #expect(failures.allSatisfy { $0.failureReason?.hasPrefix("undecodable body: body is not JSON for Point") == true })
        #expect(failures.last?.failureReason?.hasSuffix("missing key 'x'") == true)
    }

    @Test func invalidUTF8ForAStringNodeIsUndecodable() async throws {
        let harness = try PipelineHarness(Stage("echo") { (text: String) in text })
        try harness.push(bodies: [[0xFF, 0xFE], Array("fine".utf8)], onto: "START-to-ECHO")

        try await harness.run()

        #expect(try harness.items(on: "ECHO-to-END", as: String.self) == ["fine"])
        #expect(harness.failures(of: "echo").map(\.failureReason) == ["undecodable body: a 2-byte body is not valid UTF-8 text"])
    }

    @Test func emptyMessagesAreAcknowledgedAndDropped() async throws {
        let seen = Mutex(0)
        let harness = try PipelineHarness(Stage("count") { (text: String) in
            seen.withLock { $0 += 1 }
            return text
        })
        try harness.push(bodies: [[], Array("a".utf8), []], onto: "START-to-COUNT")

        let report = try await harness.run()

        #expect(seen.withLock { $0 } == 1, "the transform never saw an empty message")
        #expect(try harness.items(on: "COUNT-to-END", as: String.self) == ["a"])
        #expect(report.dropped["COUNT"] == 2)
        #expect(harness.failures(of: "count").isEmpty)
        #expect(harness.stream.depth(of: "START-to-COUNT") == (0, 0))
    }

    @Test func idsAreDeterministicAndDerivedAlongTheChain() async throws {
        let harness = try PipelineHarness(Pipeline("ids") {
            Source("numbers", batchSize: 2, items: [10, 20, 30])
            Stage("double") { (number: Int) in number * 2 }
        })
        try await harness.run()

        let out = harness.messages(on: "DOUBLE-to-END")
        #expect(out.map(\.id) == ["NUMBERS:0/DOUBLE", "NUMBERS:1/DOUBLE", "NUMBERS:2/DOUBLE"])
        #expect(try harness.items(on: "DOUBLE-to-END", as: Int.self) == [20, 40, 60])
    }

    @Test func completionCascadesThroughSeveralInstancesToTheSink() async throws {
        let received = Mutex<[Int]>([])
        let harness = try PipelineHarness(Pipeline("cascade") {
            Source("numbers", batchSize: 7, items: Array(1...500))
            Stage("square", batchSize: 3) { (number: Int) in number * number }.instances(3)
            Sink("collect", batchSize: 10) { (number: Int) in received.withLock { $0.append(number) } }.instances(2)
        })

        let report = try await harness.run()

        #expect(received.withLock { $0.sorted() } == (1...500).map { $0 * $0 })
        #expect(report.processed == ["NUMBERS": 500, "SQUARE": 500, "COLLECT": 500])
        for queue in harness.graph.queues.map(\.name) {
            #expect(harness.stream.depth(of: queue) == (0, 0), "\(queue) is drained")
        }
    }

    @Test func aRunThatCannotFinishTimesOutAndStopsItsNodes() async throws {
        let harness = try PipelineHarness(Pipeline("endless") {
            Source("forever", batchSize: 1) { Forever() }
            Sink("ignore") { (_: Int) in }
        })
        await #expect(throws: RunError.timedOut(.milliseconds(300))) {
            try await harness.run(timeout: .milliseconds(300))
        }
    }
}

/// A source that never finishes.
struct Forever: SourceGenerator {
    var n = 0
    mutating func next() -> Produced<Int>? {
        n += 1
        Thread.sleep(forTimeInterval: 0.001)
        return Produced(key: String(n), item: n)
    }
}

/// A sink that records its batch hooks; optionally its first commit fails.
struct BatchRecorder: SinkConsumer {
    let log: EventLog
    var failFirstFinish: Bool
    struct CommitFailed: Error {}

    mutating func beginBatch() throws { log.add("begin") }
    mutating func consume(_ input: Int, id: String) throws { log.add("consume \(input)") }
    mutating func finishBatch() throws {
        log.add("finish")
        if failFirstFinish {
            failFirstFinish = false
            throw CommitFailed()
        }
    }
}
