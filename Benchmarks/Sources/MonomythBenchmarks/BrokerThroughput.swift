import CRabbitMQ
import CRabbitMQShim
import Foundation
import Monomyth
import Synchronization

private let inQueue = "bench-in"
private let outQueue = "bench-out"

/// One pass-through stage between two broker queues, against a plain
/// rabbitmq-c loop doing consume → publish → ack with the same prefetch.
///
/// The queue is filled before each timed run. The product always publishes
/// persistent messages under publisher confirms; the persistent baseline does
/// the same (confirms per batch, then one multiple ack), the non-persistent
/// baseline publishes transient messages without confirms, so that row shows
/// what the product's guarantees cost.
func brokerThroughput(_ options: BenchmarkOptions) throws -> [BenchmarkRow] {
    let url = try AMQPURL(parsing: options.amqpURL)
    let batch = options.batchSize, count = options.brokerMessages
    defer { try? RabbitMQDataStream(url: url).delete(queues: [inQueue, outQueue, QueueName.fail(of: "PASS")]) }
    return try [true, false].map { persistent in
        let result = try alternating(
            rounds: options.rounds,
            product: {
                try refill(url, count: count, persistent: persistent)
                return try productStage(url, count: count, batchSize: batch)
            },
            baseline: {
                try refill(url, count: count, persistent: persistent)
                return try rawStage(url, count: count, prefetch: batch, persistent: persistent)
            })
        let mode = persistent ? "persistent + confirms" : "raw loop transient, no confirms"
        return BenchmarkRow(
            figure: "RabbitMQ: one stage, prefetch \(batch) (\(mode))", unit: "msg/s",
            product: result.product, baseline: result.baseline, target: "≥ 0.8× raw rabbitmq-c",
            met: result.product / result.baseline >= 0.8)
    }
}

/// Empties both queues and puts `count` messages on the input queue.
private func refill(_ url: AMQPURL, count: Int, persistent: Bool) throws {
    let client = try RawAMQP(url: url)
    for queue in [inQueue, outQueue] {
        try client.declare(queue)
        try client.purge(queue)
    }
    for index in 0..<count { try client.publish(Array("message \(index)".utf8), to: inQueue, persistent: persistent) }
    let deadline = ContinuousClock.now + .seconds(60)
    while try client.declare(inQueue) < count {
        guard ContinuousClock.now < deadline else { throw BenchmarkError.failed("the broker did not take \(count) messages") }
        Thread.sleep(forTimeInterval: 0.01)
    }
}

/// The product: one ``NodeInstance`` of a pass-through stage on a
/// ``RabbitMQDataStream``, until it has processed `count` messages.
private func productStage(_ url: AMQPURL, count: Int, batchSize: Int) throws -> Double {
    let pipeline = Pipeline("bench-broker", startQueue: inQueue, endQueue: outQueue) {
        Stage("pass", batchSize: batchSize) { (text: String) in text }
    }
    let exited = DispatchSemaphore(value: 0)
    let exit = Mutex<NodeExit?>(nil)
    let node = NodeInstance(
        id: "PASS-1", recipe: try pipeline.graph().recipe(type: "PASS")!, spec: pipeline.node(type: "PASS")!,
        stream: RabbitMQDataStream(url: url)
    ) { _, how in
        exit.withLock { $0 = how }
        exited.signal()
    }
    let start = ContinuousClock.now
    node.start()
    while node.counters.processed.load(ordering: .relaxed) < count, exit.withLock({ $0 }) == nil {
        // Coarse enough to leave the CPU to the node and the broker; at most
        // 10 ms late on runs of seconds.
        Thread.sleep(forTimeInterval: 0.01)
    }
    let elapsed = ContinuousClock.now - start
    node.requestStop()
    exited.wait()
    if case .failed(let reason) = exit.withLock({ $0 }) { throw BenchmarkError.failed(reason) }
    return Double(count) / elapsed.seconds
}

/// The baseline: consume a batch, publish each message, (confirm,) ack the batch.
private func rawStage(_ url: AMQPURL, count: Int, prefetch: Int, persistent: Bool) throws -> Double {
    let start = ContinuousClock.now
    let client = try RawAMQP(url: url)
    if persistent { try client.selectConfirms() }
    try client.consume(inQueue, prefetch: prefetch)
    var done = 0
    while done < count {
        var lastTag: UInt64 = 0
        for _ in 0..<min(prefetch, count - done) {
            let (tag, body) = try client.next()
            try client.publish(body, to: outQueue, persistent: persistent)
            lastTag = tag
        }
        if persistent { try client.awaitConfirms() }
        try client.ack(upTo: lastTag)
        done += min(prefetch, count - done)
    }
    return Double(count) / (ContinuousClock.now - start).seconds
}

/// A bare rabbitmq-c connection on channel 1, for one thread.
private final class RawAMQP {
    private let state: amqp_connection_state_t
    private var published: UInt64 = 0
    private var unconfirmed = Set<UInt64>()
    private var confirming = false

    init(url: AMQPURL) throws {
        guard let state = amqp_new_connection() else { throw BenchmarkError.failed("rabbitmq-c: no connection") }
        self.state = state
        guard let socket = amqp_tcp_socket_new(state), amqp_socket_open(socket, url.host, Int32(url.port)) == 0 else {
            throw BenchmarkError.failed("rabbitmq-c: cannot connect to \(url.host):\(url.port)")
        }
        let login = monomyth_amqp_login_plain(
            state, url.vhost, 0, Int32(AMQP_DEFAULT_FRAME_SIZE), 0, url.user, url.password)
        guard login.reply_type == AMQP_RESPONSE_NORMAL else { throw BenchmarkError.failed("rabbitmq-c: login refused") }
        amqp_channel_open(state, 1)
        try check("channel.open")
    }

    deinit {
        amqp_connection_close(state, AMQP_REPLY_SUCCESS)
        amqp_destroy_connection(state)
    }

    /// Declares a durable queue; returns how many messages wait on it.
    @discardableResult
    func declare(_ queue: String) throws -> Int {
        let ok = queue.withBytes { amqp_queue_declare(state, 1, $0, 0, 1, 0, 0, amqp_empty_table) }
        try check("queue.declare")
        return Int(ok?.pointee.message_count ?? 0)
    }

    func purge(_ queue: String) throws {
        _ = queue.withBytes { amqp_queue_purge(state, 1, $0) }
        try check("queue.purge")
    }

    func selectConfirms() throws {
        amqp_confirm_select(state, 1)
        try check("confirm.select")
        confirming = true
    }

    func consume(_ queue: String, prefetch: Int) throws {
        amqp_basic_qos(state, 1, 0, UInt16(prefetch), 0)
        try check("basic.qos")
        _ = queue.withBytes { amqp_basic_consume(state, 1, $0, amqp_empty_bytes, 0, 0, 0, amqp_empty_table) }
        try check("basic.consume")
    }

    func publish(_ body: [UInt8], to queue: String, persistent: Bool) throws {
        var properties = amqp_basic_properties_t()
        properties._flags = amqp_flags_t(AMQP_BASIC_DELIVERY_MODE_FLAG)
        properties.delivery_mode = persistent ? 2 : 1
        let status = queue.withBytes { key in
            body.withUnsafeBytes { raw in
                amqp_basic_publish(
                    state, 1, amqp_empty_bytes, key, 0, 0, &properties,
                    amqp_bytes_t(len: raw.count, bytes: UnsafeMutableRawPointer(mutating: raw.baseAddress)))
            }
        }
        guard status == 0 else { throw BenchmarkError.failed("rabbitmq-c: publish failed (\(status))") }
        if confirming {
            published += 1
            unconfirmed.insert(published)
        }
    }

    /// The next delivery: its tag and body. Confirms read on the way are applied.
    func next() throws -> (tag: UInt64, body: [UInt8]) {
        while true {
            amqp_maybe_release_buffers(state)
            var envelope = amqp_envelope_t()
            var timeout = timeval(tv_sec: 15, tv_usec: 0)
            let reply = amqp_consume_message(state, &envelope, &timeout, 0)
            if reply.reply_type == AMQP_RESPONSE_NORMAL {
                defer { amqp_destroy_envelope(&envelope) }
                let body = envelope.message.body
                return (envelope.delivery_tag, Array(UnsafeRawBufferPointer(start: body.bytes, count: body.len)))
            }
            guard reply.library_error == AMQP_STATUS_UNEXPECTED_STATE.rawValue else {
                throw BenchmarkError.failed("rabbitmq-c: no delivery: \(String(cString: amqp_error_string2(reply.library_error)))")
            }
            try readConfirm()
        }
    }

    /// Reads frames until the broker confirmed everything published.
    func awaitConfirms() throws {
        while !unconfirmed.isEmpty { try readConfirm() }
    }

    private func readConfirm() throws {
        var frame = amqp_frame_t()
        guard amqp_simple_wait_frame(state, &frame) == 0 else { throw BenchmarkError.failed("rabbitmq-c: read failed") }
        guard frame.frame_type == UInt8(AMQP_FRAME_METHOD), frame.payload.method.id == AMQP_BASIC_ACK_METHOD else {
            throw BenchmarkError.failed("rabbitmq-c: unexpected frame \(frame.frame_type)")
        }
        let ack = frame.payload.method.decoded.assumingMemoryBound(to: amqp_basic_ack_t.self).pointee
        if ack.multiple != 0 { unconfirmed = unconfirmed.filter { $0 > ack.delivery_tag } } else { unconfirmed.remove(ack.delivery_tag) }
    }

    func ack(upTo tag: UInt64) throws {
        guard amqp_basic_ack(state, 1, tag, 1) == 0 else { throw BenchmarkError.failed("rabbitmq-c: ack failed") }
    }

    private func check(_ operation: String) throws {
        guard amqp_get_rpc_reply(state).reply_type == AMQP_RESPONSE_NORMAL else {
            throw BenchmarkError.failed("rabbitmq-c: \(operation) failed")
        }
    }
}

extension String {
    fileprivate func withBytes<T>(_ body: (amqp_bytes_t) throws -> T) rethrows -> T {
        var copy = self
        return try copy.withUTF8 { try body(amqp_bytes_t(len: $0.count, bytes: UnsafeMutableRawPointer(mutating: $0.baseAddress))) }
    }
}
