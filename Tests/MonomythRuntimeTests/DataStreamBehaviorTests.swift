import Foundation
import Monomyth
import Testing

/// A data-stream implementation under test, with a fresh queue prefix.
struct StreamUnderTest: CustomStringConvertible, Sendable {
    let description: String
    let make: @Sendable () throws -> any DataStream

    static let all: [StreamUnderTest] = [
        StreamUnderTest(description: "in-memory") { InMemoryDataStream() }
    ]
}

/// The behaviour every data stream must keep, run against each implementation.
@Suite struct DataStreamBehaviorTests {
    private func freshQueue() -> String { "test-\(UUID().uuidString.prefix(8))" }

    private func message(_ n: Int) -> Message { Message(id: "m\(n)", body: Array("body \(n)".utf8)) }

    private func withConnection<T>(
        _ stream: any DataStream, _ body: (any DataStreamConnection) throws -> T
    ) throws -> T {
        let connection = try stream.connect()
        defer { connection.close() }
        return try body(connection)
    }

    @Test(arguments: StreamUnderTest.all)
    func pullReturnsAtMostABatchInOrder(_ subject: StreamUnderTest) throws {
        let stream = try subject.make()
        let queue = freshQueue()
        try withConnection(stream) { connection in
            try connection.declare(queue: queue)
            try connection.publish((1...7).map { Outgoing(queue: queue, message: message($0)) })
            let first = try connection.pull(from: queue, max: 5, timeout: .seconds(2))
            #expect(first.map(\.message) == (1...5).map(message))
            try connection.ack(first.map(\.tag))
            let rest = try connection.pull(from: queue, max: 5, timeout: .seconds(2))
            #expect(rest.map(\.message) == [message(6), message(7)])
            try connection.ack(rest.map(\.tag))
            #expect(try connection.pull(from: queue, max: 5, timeout: .milliseconds(50)).isEmpty)
        }
    }

    @Test(arguments: StreamUnderTest.all)
    func idsAndHeadersRoundTrip(_ subject: StreamUnderTest) throws {
        let stream = try subject.make()
        let queue = freshQueue()
        let sent = Message(id: "LOAD-FILE:1/MAP-TEXT", body: [0, 1, 2, 255], headers: ["x-monomyth-failure": "why"])
        try withConnection(stream) { connection in
            try connection.declare(queue: queue)
            try connection.publish([Outgoing(queue: queue, message: sent)])
            let got = try connection.pull(from: queue, max: 1, timeout: .seconds(2))
            #expect(got.map(\.message) == [sent])
            #expect(got.first?.redelivered == false)
            try connection.ack(got.map(\.tag))
        }
    }

    @Test(arguments: StreamUnderTest.all)
    func unackedMessagesComeBackRedeliveredWhenTheConnectionCloses(_ subject: StreamUnderTest) throws {
        let stream = try subject.make()
        let queue = freshQueue()
        try withConnection(stream) { connection in
            try connection.declare(queue: queue)
            try connection.publish((1...3).map { Outgoing(queue: queue, message: message($0)) })
        }
        try withConnection(stream) { connection in
            let pulled = try connection.pull(from: queue, max: 3, timeout: .seconds(2))
            #expect(pulled.count == 3)
            try connection.ack([pulled[0].tag])
        }
        try withConnection(stream) { connection in
            let again = try connection.pull(from: queue, max: 3, timeout: .seconds(2))
            #expect(again.map(\.message) == [message(2), message(3)])
            #expect(again.allSatisfy { $0.redelivered })
            try connection.ack(again.map(\.tag))
        }
    }

    @Test(arguments: StreamUnderTest.all)
    func nackRequeuesOrDrops(_ subject: StreamUnderTest) throws {
        let stream = try subject.make()
        let queue = freshQueue()
        try withConnection(stream) { connection in
            try connection.declare(queue: queue)
            try connection.publish([1, 2].map { Outgoing(queue: queue, message: message($0)) })
            let pulled = try connection.pull(from: queue, max: 2, timeout: .seconds(2))
            try #require(pulled.count == 2)
            try connection.nack([pulled[0].tag], requeue: true)
            try connection.nack([pulled[1].tag], requeue: false)
            let again = try connection.pull(from: queue, max: 2, timeout: .seconds(2))
            #expect(again.map(\.message) == [message(1)])
            #expect(again.first?.redelivered == true)
            try connection.ack(again.map(\.tag))
            #expect(try connection.pull(from: queue, max: 2, timeout: .milliseconds(100)).isEmpty)
        }
    }

    @Test(arguments: StreamUnderTest.all)
    func settlingAnUnknownTagIsAnError(_ subject: StreamUnderTest) throws {
        let stream = try subject.make()
        let queue = freshQueue()
        try withConnection(stream) { connection in
            try connection.declare(queue: queue)
            try connection.publish([Outgoing(queue: queue, message: message(1))])
            let pulled = try connection.pull(from: queue, max: 1, timeout: .seconds(2))
            try connection.ack(pulled.map(\.tag))
            #expect(throws: DataStreamError.unknownDeliveryTag(pulled[0].tag)) {
                try connection.ack(pulled.map(\.tag))
            }
        }
    }

    @Test(arguments: StreamUnderTest.all)
    func pullWaitsForAMessagePublishedMeanwhile(_ subject: StreamUnderTest) throws {
        let stream = try subject.make()
        let queue = freshQueue()
        try withConnection(stream) { connection in try connection.declare(queue: queue) }
        let publisher = Thread {
            Thread.sleep(forTimeInterval: 0.2)
            try? withConnection(stream) { connection in
                try connection.publish([Outgoing(queue: queue, message: message(9))])
            }
        }
        publisher.start()
        try withConnection(stream) { connection in
            let pulled = try connection.pull(from: queue, max: 1, timeout: .seconds(5))
            #expect(pulled.map(\.message) == [message(9)])
            try connection.ack(pulled.map(\.tag))
        }
    }

    @Test(arguments: StreamUnderTest.all)
    func aClosedConnectionRefusesWork(_ subject: StreamUnderTest) throws {
        let connection = try subject.make().connect()
        connection.close()
        #expect(throws: DataStreamError.closed) {
            try connection.publish([Outgoing(queue: "anything", message: message(1))])
        }
    }
}
