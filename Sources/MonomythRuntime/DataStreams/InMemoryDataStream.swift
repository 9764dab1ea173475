import Foundation

/// A data stream held in this process's memory: the stream of embedded runs
/// and of offline tests.
///
/// It keeps the semantics of the persisted streams (at-least-once delivery,
/// redelivery of unacknowledged messages when a connection closes) but its
/// messages live only as long as the process. Thread-safe.
public final class InMemoryDataStream: DataStream, @unchecked Sendable {
    // Every stored property below is guarded by `condition`.
    private let condition = NSCondition()
    private var queues: [String: QueueState] = [:]
    private var nextTag: UInt64 = 1

    private struct QueueState {
        /// Waiting messages are `ready[head...]`; the prefix is dropped lazily.
        var ready: [Stored] = []
        var head = 0
        var unacked = 0

        var readyCount: Int { ready.count - head }

        mutating func removeFirst(_ count: Int) -> ArraySlice<Stored> {
            let slice = ready[head..<head + count]
            head += count
            if head > 1024 && head * 2 > ready.count {
                ready.removeFirst(head)
                head = 0
            }
            return slice
        }
    }

    private struct Stored {
        var message: Message
        /// Delivered before and returned unacknowledged.
        var redelivered: Bool
    }

    public init() {}

    public func connect() throws -> any DataStreamConnection { Connection(stream: self) }

    /// A snapshot of the messages waiting on `queue`, oldest first.
    public func messages(on queue: String) -> [Message] {
        locked { queues[queue].map { $0.ready[$0.head...].map(\.message) } ?? [] }
    }

    /// How many messages wait on `queue` and how many are delivered but unacknowledged.
    public func depth(of queue: String) -> (ready: Int, unacked: Int) {
        locked { (queues[queue]?.readyCount ?? 0, queues[queue]?.unacked ?? 0) }
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        condition.lock()
        defer { condition.unlock() }
        return try body()
    }

    // MARK: Operations for connections (called with no lock held).

    fileprivate func declare(_ queue: String) {
        locked { if queues[queue] == nil { queues[queue] = QueueState() } }
    }

    fileprivate func publish(_ messages: [Outgoing]) {
        locked {
            // One dictionary access per run of messages to the same queue.
            var rest = messages[...]
            while let queue = rest.first?.queue {
                let run = rest.prefix { $0.queue == queue }
                rest = rest.dropFirst(run.count)
                queues[queue, default: QueueState()].ready.append(
                    contentsOf: run.lazy.map { Stored(message: $0.message, redelivered: false) })
            }
            condition.broadcast()
        }
    }

    fileprivate func pull(
        from queue: String, max: Int, deadline: Date, into unacked: inout [UInt64: Unacked]
    ) -> [Delivery] {
        condition.lock()
        defer { condition.unlock() }
        while queues[queue, default: QueueState()].readyCount == 0 {
            guard condition.wait(until: deadline) else { return [] }
        }
        let count = Swift.min(max, queues[queue]!.readyCount)
        var deliveries: [Delivery] = []
        deliveries.reserveCapacity(count)
        for stored in queues[queue]!.removeFirst(count) {
            let tag = nextTag
            nextTag += 1
            unacked[tag] = Unacked(queue: queue, message: stored.message)
            deliveries.append(Delivery(message: stored.message, tag: tag, redelivered: stored.redelivered))
        }
        queues[queue]!.unacked += count
        return deliveries
    }

    /// Settles deliveries: each leaves the unacked count; those in `requeue`
    /// go back to the front of their queue, marked redelivered.
    fileprivate func settle(_ settled: [Unacked], requeue: Bool) {
        guard !settled.isEmpty else { return }
        locked {
            var rest = settled[...]
            while let queue = rest.first?.queue {
                let run = rest.prefix { $0.queue == queue }.count
                rest = rest.dropFirst(run)
                queues[queue]!.unacked -= run
            }
            guard requeue else { return }
            for (queue, items) in Dictionary(grouping: settled, by: \.queue) {
                var state = queues[queue]!
                let waiting = state.ready[state.head...]
                state.ready = items.map { Stored(message: $0.message, redelivered: true) } + waiting
                state.head = 0
                queues[queue] = state
            }
            condition.broadcast()
        }
    }

    fileprivate struct Unacked {
        var queue: String
        var message: Message
    }

    /// One thread's connection; it owns the deliveries it pulled until they
    /// are settled or it closes.
    private final class Connection: DataStreamConnection {
        private let stream: InMemoryDataStream
        private var unacked: [UInt64: Unacked] = [:]
        private var isClosed = false

        init(stream: InMemoryDataStream) { self.stream = stream }

        deinit { close() }

        func declare(queue: String) throws {
            try checkOpen()
            stream.declare(queue)
        }

        func pull(from queue: String, max: Int, timeout: Duration) throws -> [Delivery] {
            try checkOpen()
            let deadline = Date(timeIntervalSinceNow: timeout.timeInterval)
            return stream.pull(from: queue, max: max, deadline: deadline, into: &unacked)
        }

        func publish(_ messages: [Outgoing]) throws {
            try checkOpen()
            stream.publish(messages)
        }

        func ack(_ tags: [UInt64]) throws { try settle(tags, requeue: false) }

        func nack(_ tags: [UInt64], requeue: Bool) throws { try settle(tags, requeue: requeue) }

        func close() {
            guard !isClosed else { return }
            isClosed = true
            let pending = unacked.sorted { $0.key < $1.key }.map(\.value)
            unacked = [:]
            stream.settle(pending, requeue: true)
        }

        private func settle(_ tags: [UInt64], requeue: Bool) throws {
            try checkOpen()
            var settled: [Unacked] = []
            settled.reserveCapacity(tags.count)
            for tag in tags {
                guard let item = unacked.removeValue(forKey: tag) else {
                    // Unknown or repeated: put back what was taken, settle nothing.
                    for (taken, item) in zip(tags, settled) { unacked[taken] = item }
                    throw DataStreamError.unknownDeliveryTag(tag)
                }
                settled.append(item)
            }
            stream.settle(settled, requeue: requeue)
        }

        private func checkOpen() throws {
            if isClosed { throw DataStreamError.closed }
        }
    }
}
