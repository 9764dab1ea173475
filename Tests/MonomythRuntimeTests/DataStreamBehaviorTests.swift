import Foundation
import Monomyth
import MonomythTesting
import Testing

/// A data-stream implementation under test.
struct StreamUnderTest: CustomStringConvertible, Sendable {
    let description: String
    let make: @Sendable () throws -> any DataStream

    static let all: [StreamUnderTest] = [
        StreamUnderTest(description: "in-memory") { InMemoryDataStream() },
        StreamUnderTest(description: "RabbitMQ") { try TestBroker.stream() },
    ]
}

/// The behaviour every data stream must keep, run against each implementation.
/// Stream calls block, so each test does its stream work on a thread of its
/// own and checks what that work returns. Queues get fresh names and are
/// deleted at the end.
@Suite struct DataStreamBehaviorTests {
    private static func message(_ n: Int) -> Message { Message(id: "m\(n)", body: Array("body \(n)".utf8)) }
    private func message(_ n: Int) -> Message { Self.message(n) }

    /// Runs `body` on its own thread with a new stream and a fresh queue name,
    /// then deletes the queue.
    private func withQueue<T: Sendable>(
        _ subject: StreamUnderTest, _ body: @escaping @Sendable (any DataStream, String) throws -> T
    ) async throws -> T {
        let queue = "test-\(UUID().uuidString.prefix(8))"
        return try await onOwnThread {
            let stream = try subject.make()
            defer { try? (stream as? RabbitMQDataStream)?.delete(queues: [queue]) }
            return try body(stream, queue)
        }
    }

    private static func withConnection<T>(
        _ stream: any DataStream, _ body: (any DataStreamConnection) throws -> T
    ) throws -> T {
        let connection = try stream.connect()
        defer { connection.close() }
        return try body(connection)
    }

    @Test(arguments: StreamUnderTest.all)
    func pullReturnsAtMostABatchInOrder(_ subject: StreamUnderTest) async throws {
        let (first, rest, after) = try await withQueue(subject) { stream, queue in
            try Self.withConnection(stream) { connection in
                try connection.declare(queue: queue)
                try connection.publish((1...7).map { Outgoing(queue: queue, message: Self.message($0)) })
                let first = try connection.pull(from: queue, max: 5, timeout: .seconds(2))
                try connection.ack(first.map(\.tag))
                let rest = try connection.pull(from: queue, max: 5, timeout: .seconds(2))
                try connection.ack(rest.map(\.tag))
                let after = try connection.pull(from: queue, max: 5, timeout: .milliseconds(50))
                return (first.map(\.message), rest.map(\.message), after.count)
            }
        }
        #expect(first == (1...5).map(message))
        #expect(rest == [message(6), message(7)])
        #expect(after == 0)
    }

    @Test(arguments: StreamUnderTest.all)
    func aSecondPullBeforeSettlingGetsTheNextBatch(_ subject: StreamUnderTest) async throws {
        let (first, second) = try await withQueue(subject) { stream, queue in
            try Self.withConnection(stream) { connection in
                try connection.declare(queue: queue)
                try connection.publish((1...4).map { Outgoing(queue: queue, message: Self.message($0)) })
                let first = try connection.pull(from: queue, max: 2, timeout: .seconds(2))
                let second = try connection.pull(from: queue, max: 2, timeout: .seconds(2))
                try connection.ack((first + second).map(\.tag))
                return (first.map(\.message), second.map(\.message))
            }
        }
        #expect(first == [message(1), message(2)])
        #expect(second == [message(3), message(4)])
    }

    @Test(arguments: StreamUnderTest.all)
    func idsAndHeadersRoundTrip(_ subject: StreamUnderTest) async throws {
        let sent = Message(
            id: "LOAD-FILE:1/MAP-TEXT", body: [0, 1, 2, 255],
            headers: [Message.failureReasonHeader: "why: ünïcode", Message.failedNodeHeader: "MAP-TEXT", "x-other": ""])
        let got = try await withQueue(subject) { stream, queue in
            try Self.withConnection(stream) { connection in
                try connection.declare(queue: queue)
                try connection.publish([Outgoing(queue: queue, message: sent)])
                let got = try connection.pull(from: queue, max: 1, timeout: .seconds(2))
                try connection.ack(got.map(\.tag))
                return got
            }
        }
        #expect(got.map(\.message) == [sent])
        #expect(got.first?.redelivered == false)
    }

    @Test(arguments: StreamUnderTest.all)
    func unackedMessagesComeBackRedeliveredWhenTheConnectionCloses(_ subject: StreamUnderTest) async throws {
        let (firstCount, again) = try await withQueue(subject) { stream, queue in
            try Self.withConnection(stream) { connection in
                try connection.declare(queue: queue)
                try connection.publish((1...3).map { Outgoing(queue: queue, message: Self.message($0)) })
            }
            let firstCount = try Self.withConnection(stream) { connection in
                let pulled = try connection.pull(from: queue, max: 3, timeout: .seconds(2))
                try connection.ack([pulled[0].tag])
                return pulled.count
            }
            let again = try Self.withConnection(stream) { connection in
                let again = try connection.pull(from: queue, max: 3, timeout: .seconds(2))
                try connection.ack(again.map(\.tag))
                return again
            }
            return (firstCount, again)
        }
        #expect(firstCount == 3)
        #expect(again.map(\.message) == [message(2), message(3)])
        #expect(again.allSatisfy { $0.redelivered })
    }

    @Test(arguments: StreamUnderTest.all)
    func nackRequeuesOrDrops(_ subject: StreamUnderTest) async throws {
        let (pulledCount, again, after) = try await withQueue(subject) { stream, queue in
            try Self.withConnection(stream) { connection in
                try connection.declare(queue: queue)
                try connection.publish([1, 2].map { Outgoing(queue: queue, message: Self.message($0)) })
                let pulled = try connection.pull(from: queue, max: 2, timeout: .seconds(2))
                guard pulled.count == 2 else { return (pulled.count, [Delivery](), 0) }
                try connection.nack([pulled[0].tag], requeue: true)
                try connection.nack([pulled[1].tag], requeue: false)
                let again = try connection.pull(from: queue, max: 2, timeout: .seconds(2))
                try connection.ack(again.map(\.tag))
                let after = try connection.pull(from: queue, max: 2, timeout: .milliseconds(100))
                return (pulled.count, again, after.count)
            }
        }
        #expect(pulledCount == 2)
        #expect(again.map(\.message) == [message(1)])
        #expect(again.first?.redelivered == true)
        #expect(after == 0)
    }

    @Test(arguments: StreamUnderTest.all)
    func settlingAnUnknownTagIsAnError(_ subject: StreamUnderTest) async throws {
        let (tag, twice, never) = try await withQueue(subject) { stream, queue in
            try Self.withConnection(stream) { connection in
                try connection.declare(queue: queue)
                try connection.publish([Outgoing(queue: queue, message: Self.message(1))])
                let pulled = try connection.pull(from: queue, max: 1, timeout: .seconds(2))
                try connection.ack(pulled.map(\.tag))
                let twice = Result { try connection.ack(pulled.map(\.tag)) }
                let never = Result { try connection.nack([987_654_321], requeue: true) }
                return (pulled.first?.tag, twice.error, never.error)
            }
        }
        let acked = try #require(tag)
        #expect(twice == .unknownDeliveryTag(acked))
        #expect(never == .unknownDeliveryTag(987_654_321))
    }

    @Test(arguments: StreamUnderTest.all)
    func pullWaitsForAMessagePublishedMeanwhile(_ subject: StreamUnderTest) async throws {
        let pulled = try await withQueue(subject) { stream, queue in
            try Self.withConnection(stream) { connection in try connection.declare(queue: queue) }
            let publisher = Thread {
                Thread.sleep(forTimeInterval: 0.2)
                try? Self.withConnection(stream) { connection in
                    try connection.publish([Outgoing(queue: queue, message: Self.message(9))])
                }
            }
            publisher.start()
            return try Self.withConnection(stream) { connection in
                let pulled = try connection.pull(from: queue, max: 1, timeout: .seconds(5))
                try connection.ack(pulled.map(\.tag))
                return pulled.map(\.message)
            }
        }
        #expect(pulled == [message(9)])
    }

    @Test(arguments: StreamUnderTest.all)
    func aClosedConnectionRefusesWork(_ subject: StreamUnderTest) async throws {
        let error = try await withQueue(subject) { stream, queue in
            let connection = try stream.connect()
            connection.close()
            return Result { try connection.publish([Outgoing(queue: queue, message: Self.message(1))]) }.error
        }
        #expect(error == .closed)
    }

    @Test(arguments: StreamUnderTest.all)
    func failedAndUndecodableMessagesLandOnTheFailQueueWithTheirReason(_ subject: StreamUnderTest) async throws {
        let name = "double-\(UUID().uuidString.prefix(8).lowercased())"
        let type = NodeType.of(name: name)
        let pipeline = Pipeline("fail-queue-\(name)") {
            Stage(name, batchSize: 3) { (n: Int) in
                guard n >= 0 else { throw Negative(number: n) }
                return n * 2
            }
        }
        let queues = [QueueName.start(to: type), QueueName.end(from: type), QueueName.fail(of: type)]
        let bodies = ["21", "not a number", "-1", "", "4"].map { Array($0.utf8) }
        let stream = try subject.make()
        defer { try? (stream as? RabbitMQDataStream)?.delete(queues: queues) }

        try await onOwnThread {
            try Self.withConnection(stream) { connection in
                try connection.publish(bodies.enumerated().map { index, body in
                    Outgoing(queue: queues[0], message: Message(id: "in:\(index)", body: body))
                })
            }
        }
        let run = try LocalRun(pipeline, stream: stream)
        try run.start()
        run.finish()
        let report = try await run.completion()
        let (results, failures, left) = try await onOwnThread {
            try Self.withConnection(stream) { connection in
                let results = try connection.pull(from: queues[1], max: 10, timeout: .seconds(2))
                let failures = try connection.pull(from: queues[2], max: 10, timeout: .seconds(2))
                let left = try connection.pull(from: queues[0], max: 10, timeout: .milliseconds(100))
                try connection.ack((results + failures + left).map(\.tag))
                return (results.map(\.message), failures.map(\.message), left.count)
            }
        }

        #expect(results.map { String(decoding: $0.body, as: UTF8.self) }.sorted() == ["42", "8"])
        #expect(failures.map(\.id).sorted() == ["in:1", "in:2"])
        let byID = Dictionary(uniqueKeysWithValues: failures.map { ($0.id, $0) })
        #expect(byID["in:1"]?.body == Array("not a number".utf8))
        #expect(byID["in:1"]?.failureReason?.contains("not JSON for Int") == true, "\(byID["in:1"]?.headers ?? [:])")
        #expect(byID["in:2"]?.failureReason == "transform threw: -1 is negative")
        #expect(failures.allSatisfy { $0.headers[Message.failedNodeHeader] == type })
        #expect(report.processed[type] == 2 && report.failed[type] == 2 && report.dropped[type] == 1)
        #expect(left == 0)
    }
}

private struct Negative: Error, CustomStringConvertible {
    var number: Int
    var description: String { "\(number) is negative" }
}

extension Result where Failure == any Error {
    /// The error as a data-stream error, if it failed with one.
    fileprivate var error: DataStreamError? {
        guard case .failure(let error) = self else { return nil }
        return error as? DataStreamError
    }
}
