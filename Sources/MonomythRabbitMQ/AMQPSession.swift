import CRabbitMQ
import CRabbitMQShim
import Foundation
import MonomythRuntime

/// Why an AMQP operation failed.
enum AMQPFailure: Error, CustomStringConvertible {
    /// The connection is unusable (socket error, missed heartbeats, closed by
    /// the broker): reconnecting may help.
    case lost(String)
    /// The broker refused the operation and closed the channel (`code` is
    /// the AMQP reply code, e.g. 404 or 406): retrying the same will not help.
    case refused(code: Int, text: String)

    var description: String {
        switch self {
        case .lost(let why): why
        case .refused(let code, let text): "\(code) \(text)"
        }
    }
}

/// Something the broker sent while the session was reading.
enum AMQPEvent {
    case delivery(channel: UInt16, tag: UInt64, redelivered: Bool, message: Message)
    /// Publisher confirms on the publishing channel.
    case confirmed(tag: UInt64, multiple: Bool)
    case rejected(tag: UInt64, multiple: Bool)
    /// A mandatory message no queue took.
    case returned(queue: String, reason: String)
    /// The broker cancelled the consumer on `channel` (its queue was deleted).
    case cancelled(channel: UInt16)
}

/// Timeouts and the heartbeat of a session.
struct AMQPTimings {
    var connect: Duration = .seconds(5)
    var rpc: Duration = .seconds(15)
    var heartbeatSeconds: Int32 = 10
}

/// One AMQP connection with a publishing channel in confirm mode. Confined to
/// the thread that created it (rabbitmq-c connections are not thread-safe).
///
/// Channel ``publishChannel`` carries declarations and publications; consumers
/// get channels of their own, opened with ``openChannel(_:)``.
final class AMQPSession {
    static let publishChannel: UInt16 = 1

    private let state: amqp_connection_state_t
    private let url: AMQPURL
    private var healthy = true
    /// The sequence number of the last message published on ``publishChannel``.
    private(set) var lastPublished: UInt64 = 0

    /// Connects, logs in, opens ``publishChannel`` and puts it in confirm mode.
    init(url: AMQPURL, timings: AMQPTimings) throws(AMQPFailure) {
        guard let state = amqp_new_connection() else { throw .lost("rabbitmq-c could not allocate a connection") }
        self.state = state
        self.url = url
        do {
            try open(timings)
        } catch {
            healthy = false
            throw error
        }
    }

    deinit {
        if healthy { _ = amqp_connection_close(state, AMQP_REPLY_SUCCESS) }
        amqp_destroy_connection(state)
    }

    private func open(_ timings: AMQPTimings) throws(AMQPFailure) {
        guard let socket = amqp_tcp_socket_new(state) else { throw .lost("rabbitmq-c could not create a socket") }
        var connectTimeout = timeval(timings.connect)
        let opened = amqp_socket_open_noblock(socket, url.host, Int32(url.port), &connectTimeout)
        guard opened == AMQP_STATUS_OK.rawValue else {
            throw .lost(
                "cannot connect to \(url.host):\(url.port) (is a broker running and listening there?): "
                    + Self.describe(status: opened))
        }
        var handshakeTimeout = timeval(timings.rpc)
        amqp_set_handshake_timeout(state, &handshakeTimeout)
        var rpcTimeout = timeval(timings.rpc)
        amqp_set_rpc_timeout(state, &rpcTimeout)
        let login = monomyth_amqp_login_plain(
            state, url.vhost, 0, Int32(AMQP_DEFAULT_FRAME_SIZE), timings.heartbeatSeconds, url.user, url.password)
        switch login.reply_type {
        case AMQP_RESPONSE_NORMAL:
            break
        case AMQP_RESPONSE_SERVER_EXCEPTION:
            throw .refused(code: Int(AMQP_ACCESS_REFUSED), text: "the broker refused the login: \(describe(login))")
        default:
            // No answer, or bytes that are not AMQP: not a refusal.
            throw lose("the AMQP handshake failed: \(describe(login))")
        }
        try openChannel(Self.publishChannel)
        amqp_confirm_select(state, Self.publishChannel)
        try check("confirm.select")
    }

    // MARK: Methods

    func openChannel(_ channel: UInt16) throws(AMQPFailure) {
        amqp_channel_open(state, channel)
        try check("channel.open")
    }

    /// Declares a durable queue; returns how many messages wait on it.
    @discardableResult
    func declare(queue: String, passive: Bool = false) throws(AMQPFailure) -> Int {
        let ok = queue.withAMQPBytes { name in
            amqp_queue_declare(state, Self.publishChannel, name, passive ? 1 : 0, 1, 0, 0, amqp_empty_table)
        }
        try check("queue.declare \(queue)")
        return Int(ok?.pointee.message_count ?? 0)
    }

    func purge(queue: String) throws(AMQPFailure) {
        _ = queue.withAMQPBytes { amqp_queue_purge(state, Self.publishChannel, $0) }
        try check("queue.purge \(queue)")
    }

    func delete(queue: String) throws(AMQPFailure) {
        _ = queue.withAMQPBytes { amqp_queue_delete(state, Self.publishChannel, $0, 0, 0) }
        try check("queue.delete \(queue)")
    }

    /// Sets `channel`'s prefetch; `global` makes it a live limit on the whole
    /// channel, which RabbitMQ applies to consumers already running.
    func qos(channel: UInt16, prefetch: Int, global: Bool) throws(AMQPFailure) {
        amqp_basic_qos(state, channel, 0, UInt16(clamping: prefetch), global ? 1 : 0)
        try check("basic.qos")
    }

    func consume(queue: String, channel: UInt16) throws(AMQPFailure) {
        _ = queue.withAMQPBytes { name in
            amqp_basic_consume(state, channel, name, amqp_empty_bytes, 0, 0, 0, amqp_empty_table)
        }
        try check("basic.consume \(queue)")
    }

    /// Publishes `message` persistently and mandatorily to `queue` through
    /// the default exchange; returns its confirm sequence number.
    func publish(_ message: Message, to queue: String) throws(AMQPFailure) -> UInt64 {
        let status = AMQPProperties.withProperties(of: message) { properties in
            queue.withAMQPBytes { routingKey in
                message.body.withUnsafeBytes { body in
                    let bytes = amqp_bytes_t(len: body.count, bytes: UnsafeMutableRawPointer(mutating: body.baseAddress))
                    return amqp_basic_publish(
                        state, Self.publishChannel, amqp_empty_bytes, routingKey, 1, 0, properties, bytes)
                }
            }
        }
        guard status == AMQP_STATUS_OK.rawValue else {
            throw lose("publishing to \(queue) failed: \(Self.describe(status: status))")
        }
        lastPublished += 1
        return lastPublished
    }

    /// Acknowledges `tag`, and with `multiple` every earlier delivery on `channel` too.
    func ack(channel: UInt16, tag: UInt64, multiple: Bool) throws(AMQPFailure) {
        let status = amqp_basic_ack(state, channel, tag, multiple ? 1 : 0)
        guard status == AMQP_STATUS_OK.rawValue else { throw lose("basic.ack failed: \(Self.describe(status: status))") }
    }

    func nack(channel: UInt16, tag: UInt64, requeue: Bool) throws(AMQPFailure) {
        let status = amqp_basic_nack(state, channel, tag, 0, requeue ? 1 : 0)
        guard status == AMQP_STATUS_OK.rawValue else { throw lose("basic.nack failed: \(Self.describe(status: status))") }
    }

    // MARK: Reading

    /// The next thing the broker sends, waiting at most `timeout`; `nil` if
    /// nothing (or nothing of interest) arrived. Heartbeats are serviced here.
    func nextEvent(timeout: Duration) throws(AMQPFailure) -> AMQPEvent? {
        amqp_maybe_release_buffers(state)
        var envelope = amqp_envelope_t()
        var wait = timeval(max(timeout, .zero))
        let reply = amqp_consume_message(state, &envelope, &wait, 0)
        if reply.reply_type == AMQP_RESPONSE_NORMAL {
            defer { amqp_destroy_envelope(&envelope) }
            return .delivery(
                channel: envelope.channel, tag: envelope.delivery_tag, redelivered: envelope.redelivered != 0,
                message: AMQPProperties.message(from: envelope.message))
        }
        if reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION {
            if reply.library_error == AMQP_STATUS_TIMEOUT.rawValue { return nil }
            if reply.library_error == AMQP_STATUS_UNEXPECTED_STATE.rawValue { return try nextFrame() }
        }
        throw lose("reading from the broker failed: \(describe(reply))")
    }

    /// Reads the frame `amqp_consume_message` left because it was not a delivery.
    private func nextFrame() throws(AMQPFailure) -> AMQPEvent? {
        var frame = amqp_frame_t()
        let status = amqp_simple_wait_frame(state, &frame)
        guard status == AMQP_STATUS_OK.rawValue else {
            throw lose("reading a frame failed: \(Self.describe(status: status))")
        }
        guard frame.frame_type == UInt8(AMQP_FRAME_METHOD) else { return nil }
        let method = frame.payload.method
        switch method.id {
        case AMQP_BASIC_ACK_METHOD:
            let ack = method.decoded.assumingMemoryBound(to: amqp_basic_ack_t.self).pointee
            return .confirmed(tag: ack.delivery_tag, multiple: ack.multiple != 0)
        case AMQP_BASIC_NACK_METHOD:
            let nack = method.decoded.assumingMemoryBound(to: amqp_basic_nack_t.self).pointee
            return .rejected(tag: nack.delivery_tag, multiple: nack.multiple != 0)
        case AMQP_BASIC_RETURN_METHOD:
            let returned = method.decoded.assumingMemoryBound(to: amqp_basic_return_t.self).pointee
            let event = AMQPEvent.returned(
                queue: String(amqpBytes: returned.routing_key),
                reason: "\(returned.reply_code) \(String(amqpBytes: returned.reply_text))")
            var content = amqp_message_t()
            let read = amqp_read_message(state, frame.channel, &content, 0)
            guard read.reply_type == AMQP_RESPONSE_NORMAL else { throw lose("reading a returned message failed") }
            amqp_destroy_message(&content)
            return event
        case AMQP_BASIC_CANCEL_METHOD:
            return .cancelled(channel: frame.channel)
        case AMQP_CHANNEL_CLOSE_METHOD:
            let close = method.decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
            healthy = false
            throw .refused(code: Int(close.reply_code), text: String(amqpBytes: close.reply_text))
        case AMQP_CONNECTION_CLOSE_METHOD:
            let close = method.decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
            var closeOK = amqp_connection_close_ok_t()
            amqp_send_method(state, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &closeOK)
            throw lose("the broker closed the connection: \(close.reply_code) \(String(amqpBytes: close.reply_text))")
        default:
            return nil
        }
    }

    // MARK: Errors

    /// Marks the session unusable and returns the failure to throw.
    private func lose(_ why: String) -> AMQPFailure {
        healthy = false
        return .lost(why)
    }

    /// Throws if the last RPC did not succeed.
    private func check(_ operation: String) throws(AMQPFailure) {
        let reply = amqp_get_rpc_reply(state)
        switch reply.reply_type {
        case AMQP_RESPONSE_NORMAL:
            return
        case AMQP_RESPONSE_SERVER_EXCEPTION where reply.reply.id == AMQP_CHANNEL_CLOSE_METHOD:
            let close = reply.reply.decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
            healthy = false
            throw .refused(code: Int(close.reply_code), text: "\(operation): \(String(amqpBytes: close.reply_text))")
        default:
            throw lose("\(operation) failed: \(describe(reply))")
        }
    }

    private func describe(_ reply: amqp_rpc_reply_t) -> String {
        switch reply.reply_type {
        case AMQP_RESPONSE_NONE:
            return "no reply"
        case AMQP_RESPONSE_LIBRARY_EXCEPTION:
            return Self.describe(status: reply.library_error)
        case AMQP_RESPONSE_SERVER_EXCEPTION:
            switch reply.reply.id {
            case AMQP_CONNECTION_CLOSE_METHOD:
                let close = reply.reply.decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
                return "the broker closed the connection: \(close.reply_code) \(String(amqpBytes: close.reply_text))"
            case AMQP_CHANNEL_CLOSE_METHOD:
                let close = reply.reply.decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
                return "the broker closed the channel: \(close.reply_code) \(String(amqpBytes: close.reply_text))"
            default:
                return "unexpected broker method \(reply.reply.id)"
            }
        default:
            return "unknown reply"
        }
    }

    static func describe(status: Int32) -> String {
        String(cString: amqp_error_string2(status))
    }
}

extension timeval {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self.init(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
    }
}

extension String {
    init(amqpBytes bytes: amqp_bytes_t) {
        guard let start = bytes.bytes, bytes.len > 0 else {
            self = ""
            return
        }
        self = String(decoding: UnsafeRawBufferPointer(start: start, count: bytes.len), as: UTF8.self)
    }

    /// Calls `body` with this string's UTF-8 bytes as an `amqp_bytes_t`, valid during the call.
    func withAMQPBytes<T>(_ body: (amqp_bytes_t) throws -> T) rethrows -> T {
        var copy = self
        return try copy.withUTF8 { buffer in
            try body(amqp_bytes_t(len: buffer.count, bytes: UnsafeMutableRawPointer(mutating: buffer.baseAddress)))
        }
    }
}
