import Foundation
import MonomythRuntime

/// One thread's connection to a ``RabbitMQDataStream``: one AMQP connection
/// whose channel 1 declares and publishes (in confirm mode) and whose other
/// channels each consume one queue.
///
/// Confined to the thread that opened it, like every ``DataStreamConnection``.
final class RabbitMQConnection: DataStreamConnection {
    /// After the first message of a pull, how long to wait for more to fill the batch.
    private static let batchGrace = Duration.milliseconds(10)
    private static let longestBackoff = Duration.seconds(2)

    private let stream: RabbitMQDataStream
    private var session: AMQPSession?
    /// Counts sessions; a delivery tag is valid only in the session that delivered it.
    private var generation = 1
    private var isClosed = false

    private var declared: [String] = []
    private var consumers: [String: Consumer] = [:]
    private var queueOfChannel: [UInt16: String] = [:]
    /// Deliveries received in this session and not yet handed out, per queue.
    private var received: [String: [Received]] = [:]
    private var unsettled: [UInt64: Unsettled] = [:]
    private var nextTag: UInt64 = 1

    private struct Consumer {
        var channel: UInt16
        var prefetch: Int
        var channelOpen = false
        var consuming = false
    }

    private struct Received {
        var channel: UInt16
        var tag: UInt64
        var redelivered: Bool
        var message: Message
    }

    private struct Unsettled {
        var generation: Int
        var queue: String
        var channel: UInt16
        var tag: UInt64
    }

    init(stream: RabbitMQDataStream) throws(DataStreamError) {
        self.stream = stream
        self.session = try stream.openSession()
    }

    deinit { close() }

    func declare(queue: String) throws {
        try checkOpen()
        try recovering { session throws(AMQPFailure) in try declareOnce(queue, on: session) }
    }

    func pull(from queue: String, max: Int, timeout: Duration) throws -> [Delivery] {
        try checkOpen()
        guard max > 0 else { return [] }
        return try recovering { session throws(AMQPFailure) in
            try startConsuming(queue, prefetch: held(from: queue) + max, on: session)
            let deadline = ContinuousClock.now + timeout
            while received[queue, default: []].count < max {
                let hasSome = !received[queue, default: []].isEmpty
                let remaining = deadline - .now
                let wait = hasSome ? min(remaining, Self.batchGrace) : remaining
                guard wait > .zero else { break }
                guard let event = try session.nextEvent(timeout: wait) else {
                    if hasSome { break } else { continue }
                }
                handle(event)
            }
            return handOut(from: queue, max: max)
        }
    }

    func publish(_ messages: [Outgoing]) throws {
        try checkOpen()
        guard !messages.isEmpty else { return }
        try recovering { session throws(AMQPFailure) in
            for queue in Set(messages.map(\.queue)) { try declareOnce(queue, on: session) }
            var pending = Set<UInt64>()
            for outgoing in messages { pending.insert(try session.publish(outgoing.message, to: outgoing.queue)) }
            try awaitConfirms(of: &pending, on: session)
        }
    }

    func ack(_ tags: [UInt64]) throws { try settle(tags) { session, items throws(AMQPFailure) in try acknowledge(items, on: session) } }

    func nack(_ tags: [UInt64], requeue: Bool) throws {
        try settle(tags) { session, items throws(AMQPFailure) in
            for item in items { try session.nack(channel: item.channel, tag: item.tag, requeue: requeue) }
        }
    }

    func close() {
        guard !isClosed else { return }
        isClosed = true
        dropSession()
    }

    // MARK: Consuming

    private func declareOnce(_ queue: String, on session: AMQPSession) throws(AMQPFailure) {
        guard !declared.contains(queue) else { return }
        try session.declare(queue: queue)
        declared.append(queue)
    }

    /// Starts (or adjusts) the consumer of `queue` with `prefetch`. The limit
    /// is channel-wide, which RabbitMQ applies at once to a running consumer.
    private func startConsuming(_ queue: String, prefetch: Int, on session: AMQPSession) throws(AMQPFailure) {
        try declareOnce(queue, on: session)
        var consumer = consumers[queue] ?? Consumer(channel: AMQPSession.publishChannel + 1 + UInt16(consumers.count), prefetch: prefetch)
        defer {
            consumers[queue] = consumer
            queueOfChannel[consumer.channel] = queue
        }
        if !consumer.channelOpen {
            try session.openChannel(consumer.channel)
            consumer.channelOpen = true
        }
        if !consumer.consuming {
            try session.qos(channel: consumer.channel, prefetch: prefetch, global: true)
            consumer.prefetch = prefetch
            try session.consume(queue: queue, channel: consumer.channel)
            consumer.consuming = true
        } else if consumer.prefetch != prefetch {
            try session.qos(channel: consumer.channel, prefetch: prefetch, global: true)
            consumer.prefetch = prefetch
        }
    }

    private func handle(_ event: AMQPEvent) {
        switch event {
        case .delivery(let channel, let tag, let redelivered, let message):
            guard let queue = queueOfChannel[channel] else { return }
            received[queue, default: []].append(Received(channel: channel, tag: tag, redelivered: redelivered, message: message))
        case .cancelled(let channel):
            guard let queue = queueOfChannel[channel] else { return }
            consumers[queue]?.consuming = false
            declared.removeAll { $0 == queue }
        case .confirmed, .rejected, .returned:
            break
        }
    }

    /// How many deliveries from `queue` this session handed out and are not settled.
    private func held(from queue: String) -> Int {
        unsettled.values.count { $0.queue == queue && $0.generation == generation }
    }

    private func handOut(from queue: String, max: Int) -> [Delivery] {
        let batch = received[queue, default: []].prefix(max)
        received[queue]?.removeFirst(batch.count)
        return batch.map { item in
            let tag = nextTag
            nextTag += 1
            unsettled[tag] = Unsettled(generation: generation, queue: queue, channel: item.channel, tag: item.tag)
            return Delivery(message: item.message, tag: tag, redelivered: item.redelivered)
        }
    }

    // MARK: Publishing

    /// Reads until every sequence number in `pending` is confirmed. A
    /// rejected message counts as a lost connection, so that the batch is
    /// published again on a new one; a returned message means its queue is gone.
    private func awaitConfirms(of pending: inout Set<UInt64>, on session: AMQPSession) throws(AMQPFailure) {
        let deadline = ContinuousClock.now + stream.timings.rpc
        var rejected = 0
        var returned: [String: String] = [:]
        while !pending.isEmpty {
            let remaining = deadline - .now
            guard remaining > .zero else {
                throw .lost("the broker did not confirm \(pending.count) published messages within \(stream.timings.rpc)")
            }
            guard let event = try session.nextEvent(timeout: remaining) else { continue }
            switch event {
            case .confirmed(let tag, let multiple):
                pending = pending.filter { multiple ? $0 > tag : $0 != tag }
            case .rejected(let tag, let multiple):
                let before = pending.count
                pending = pending.filter { multiple ? $0 > tag : $0 != tag }
                rejected += before - pending.count
            case .returned(let queue, let reason):
                returned[queue] = reason
            case .delivery, .cancelled:
                handle(event)
            }
        }
        if let (queue, reason) = returned.first {
            declared.removeAll { $0 == queue }
            throw .refused(code: 312, text: "no queue named \(queue) took a published message (\(reason)); was it deleted?")
        }
        if rejected > 0 { throw .lost("the broker could not store \(rejected) published messages") }
    }

    // MARK: Settling

    /// Settles `tags`: all must be unsettled deliveries of this connection.
    /// Those of a lost session are dropped: the broker redelivers them.
    private func settle(
        _ tags: [UInt64], with send: (AMQPSession, [Unsettled]) throws(AMQPFailure) -> Void
    ) throws {
        try checkOpen()
        var seen = Set<UInt64>()
        for tag in tags where unsettled[tag] == nil || !seen.insert(tag).inserted {
            throw DataStreamError.unknownDeliveryTag(tag)
        }
        let items = tags.map { unsettled.removeValue(forKey: $0)! }
        guard let session else { return }
        do {
            try send(session, items.filter { $0.generation == generation })
        } catch {
            Log.warning("settling deliveries failed (the broker will redeliver them): \(error)", from: "rabbitmq")
            dropSession()
        }
    }

    /// Acknowledges `items` (already removed from ``unsettled``) in one
    /// `multiple` frame per channel when they are all of that channel's
    /// outstanding deliveries up to the highest of them, else one by one.
    private func acknowledge(_ items: [Unsettled], on session: AMQPSession) throws(AMQPFailure) {
        for (channel, acked) in Dictionary(grouping: items, by: \.channel) {
            let highest = acked.map(\.tag).max()!
            let othersUpToHighest =
                unsettled.values.count { $0.generation == generation && $0.channel == channel && $0.tag <= highest }
                + received.values.reduce(0) { $0 + $1.count { $0.channel == channel && $0.tag <= highest } }
            if othersUpToHighest == 0 {
                try session.ack(channel: channel, tag: highest, multiple: true)
            } else {
                for item in acked { try session.ack(channel: channel, tag: item.tag, multiple: false) }
            }
        }
    }

    // MARK: Recovery

    /// Runs `operation` on the session; after a lost connection, reconnects
    /// and runs it again, until ``RabbitMQDataStream/reconnectLimit`` has
    /// passed since the first loss.
    private func recovering<T>(_ operation: (AMQPSession) throws(AMQPFailure) -> T) throws(DataStreamError) -> T {
        var deadline: ContinuousClock.Instant?
        var lastLoss = ""
        while true {
            let session = try currentSession(deadline: &deadline, lastLoss: lastLoss)
            do {
                return try operation(session)
            } catch {
                dropSession()
                guard case .lost(let why) = error else { throw stream.unavailable(error) }
                Log.warning("lost the connection to \(stream.url): \(why); reconnecting", from: "rabbitmq")
                lastLoss = why
                deadline = deadline ?? .now + stream.reconnectLimit
            }
        }
    }

    /// The open session, or a new one with the queues declared and the
    /// consumers started again; retries with backoff until `deadline`.
    private func currentSession(deadline: inout ContinuousClock.Instant?, lastLoss: String) throws(DataStreamError) -> AMQPSession {
        if let session { return session }
        var delay = Duration.milliseconds(100)
        var lastError = lastLoss
        while true {
            do {
                let fresh = try AMQPSession(url: stream.url, timings: stream.timings)
                generation += 1
                try restore(on: fresh)
                session = fresh
                if !lastLoss.isEmpty { Log.info("reconnected to \(stream.url)", from: "rabbitmq") }
                return fresh
            } catch {
                lastError = "\(stream.unavailable(error))"
            }
            let limit = deadline ?? .now + stream.reconnectLimit
            deadline = limit
            guard ContinuousClock.now + delay < limit else {
                throw .unavailable(
                    "lost the connection to the RabbitMQ broker (\(stream.url.summary)) and could not reconnect "
                        + "within \(stream.reconnectLimit); last error: \(lastError)")
            }
            Thread.sleep(forTimeInterval: Double(delay / .milliseconds(1)) / 1000)
            delay = min(delay * 2, Self.longestBackoff)
        }
    }

    /// Declares the queues again and restarts the consumers on a new session.
    private func restore(on session: AMQPSession) throws(AMQPFailure) {
        for queue in declared { try session.declare(queue: queue) }
        for (queue, var consumer) in consumers where consumer.consuming {
            try session.openChannel(consumer.channel)
            try session.qos(channel: consumer.channel, prefetch: consumer.prefetch, global: true)
            try session.consume(queue: queue, channel: consumer.channel)
            consumer.channelOpen = true
            consumers[queue] = consumer
        }
    }

    /// Forgets the session: its deliveries will be redelivered by the broker.
    private func dropSession() {
        session = nil
        received = [:]
        for queue in consumers.keys { consumers[queue]!.channelOpen = false }
    }

    private func checkOpen() throws(DataStreamError) {
        if isClosed { throw .closed }
    }
}
