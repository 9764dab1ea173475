import Foundation
import Monomyth
import MonomythTesting
import Synchronization
import Testing

/// Records lifecycle events from node threads.
final class EventLog: Sendable {
    private let events = Mutex<[String]>([])
    func add(_ event: String) { events.withLock { $0.append(event) } }
    var all: [String] { events.withLock { $0 } }
}

/// A stage whose state records its lifecycle and which data stream ops it saw.
struct RecordingTransformer: StageTransformer {
    let log: EventLog
    init(log: EventLog) {
        self.log = log
        log.add("made")
    }
    mutating func start() throws { log.add("start") }
    mutating func transform(_ input: String, id: String) throws -> String {
        log.add("transform \(input)")
        return input
    }
    mutating func stop() throws { log.add("stop") }
}

/// A data stream that records connects and closes into an `EventLog`.
struct LoggingStream: DataStream {
    let inner = InMemoryDataStream()
    let log: EventLog

    func connect() throws -> any DataStreamConnection {
        log.add("connect")
        return LoggingConnection(inner: try inner.connect(), log: log)
    }

    final class LoggingConnection: DataStreamConnection {
        let inner: any DataStreamConnection
        let log: EventLog
        init(inner: any DataStreamConnection, log: EventLog) {
            self.inner = inner
            self.log = log
        }
        func declare(queue: String) throws { try inner.declare(queue: queue) }
        func pull(from queue: String, max: Int, timeout: Duration) throws -> [Delivery] {
            try inner.pull(from: queue, max: max, timeout: timeout)
        }
        func publish(_ messages: [Outgoing]) throws { try inner.publish(messages) }
        func ack(_ tags: [UInt64]) throws { try inner.ack(tags) }
        func nack(_ tags: [UInt64], requeue: Bool) throws { try inner.nack(tags, requeue: requeue) }
        func close() {
            log.add("close")
            inner.close()
        }
    }
}

@Suite struct LifecycleTests {
    @Test func hooksRunBeforeConnectingAndAfterDisconnecting() async throws {
        let log = EventLog()
        let stream = LoggingStream(log: log)
        let pipeline = Pipeline("hooks") {
            Stage("echo") { RecordingTransformer(log: log) }
                .onStart { log.add("start hook") }
                .onStop { log.add("stop hook") }
        }
        let feed = try stream.inner.connect()
        try feed.publish([Outgoing(queue: "START-to-ECHO", message: Message(id: "1", body: Array("hi".utf8)))])
        feed.close()

        let run = try LocalRun(pipeline, stream: stream)
        try run.start()
        run.finish()
        _ = try await run.completion()

        #expect(log.all == ["made", "start hook", "start", "connect", "transform hi", "close", "stop", "stop hook"])
    }

    @Test func aThrowingStartHookFailsTheRunAndTouchesNoMessage() async throws {
        struct Refused: Error, CustomStringConvertible { var description: String { "database refused" } }
        let stream = InMemoryDataStream()
        let pipeline = Pipeline("refuse") {
            Stage("store") { (text: String) in text }.onStart { throw Refused() }
        }
        let feed = try stream.connect()
        try feed.publish([Outgoing(queue: "START-to-STORE", message: Message(id: "1", body: Array("keep me".utf8)))])
        feed.close()

        let run = try LocalRun(pipeline, stream: stream)
        try run.start()
        let error = await #expect(throws: RunError.self) { try await run.completion() }
        guard case .nodeFailed(let type, let reason) = error else {
            Issue.record("expected a node failure, got \(String(describing: error))")
            return
        }
        #expect(type == "STORE")
        #expect(reason.hasSuffix(" could not start: database refused"), "\(reason)")
        #expect(stream.messages(on: "START-to-STORE").map(\.body) == [Array("keep me".utf8)], "the message is still there")
    }

    @Test func gracefulStopFinishesTheBatchInHandAndLosesNothing() async throws {
        let inTransform = Mutex(false)
        let stream = InMemoryDataStream()
        let pipeline = Pipeline("slow") {
            Stage("slow", batchSize: 5) { (number: Int) in
                inTransform.withLock { $0 = true }
                Thread.sleep(forTimeInterval: 0.02)
                return number
            }
        }
        let feed = try stream.connect()
        try feed.publish((1...20).map { Outgoing(queue: "START-to-SLOW", message: Message(id: "\($0)", body: Array(String($0).utf8))) })
        feed.close()

        let run = try LocalRun(pipeline, stream: stream)
        try run.start()
        while !inTransform.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(1)) }
        run.stop()
        await #expect(throws: RunError.stopped) { try await run.completion() }

        let done = stream.messages(on: "SLOW-to-END").count
        let left = stream.messages(on: "START-to-SLOW").count
        #expect(done > 0 && done % 5 == 0, "whole batches only, got \(done)")
        #expect(done + left == 20, "every message is either processed or still queued")
        #expect(stream.depth(of: "START-to-SLOW").unacked == 0)
    }

    @Test func aFailingSourceStopsTheRunWithItsError() async throws {
        struct Broken: SourceGenerator {
            var count = 0
            mutating func next() throws -> Produced<Int>? {
                count += 1
                if count == 3 { throw InputGone() }
                return Produced(key: String(count), item: count)
            }
        }
        struct InputGone: Error, CustomStringConvertible { var description: String { "input went away" } }
        let harness = try PipelineHarness(Pipeline("broken") {
            Source("numbers", batchSize: 1) { Broken() }
            Sink("ignore") { (_: Int) in }
        })
        let error = await #expect(throws: RunError.self) { try await harness.run() }
        guard case .nodeFailed(let type, let reason) = error else {
            Issue.record("expected a node failure, got \(String(describing: error))")
            return
        }
        #expect(type == "NUMBERS")
        #expect(reason.hasPrefix("node NUMBERS-") && reason.hasSuffix(" stopped: input went away"), "\(reason)")
    }
}
