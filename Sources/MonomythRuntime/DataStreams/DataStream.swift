/// One message on a data stream.
public struct Message: Sendable, Equatable {
    /// The stable id (see ``MessageID``); the same after redelivery.
    public var id: String
    public var body: [UInt8]
    /// Extra attributes, e.g. ``Message/failureReasonHeader`` on a fail queue.
    public var headers: [String: String]

    public init(id: String, body: [UInt8], headers: [String: String] = [:]) {
        self.id = id
        self.body = body
        self.headers = headers
    }

    /// The header holding why a message landed on a fail queue.
    public static let failureReasonHeader = "x-monomyth-failure"
    /// The header naming the node type that failed the message.
    public static let failedNodeHeader = "x-monomyth-node"

    /// Why this message is on a fail queue, if it is.
    public var failureReason: String? { headers[Self.failureReasonHeader] }
}

/// A message pulled from a queue and not yet acknowledged.
public struct Delivery: Sendable, Equatable {
    public var message: Message
    /// Identifies the delivery for ``DataStreamConnection/ack(_:)``; valid on
    /// the connection that pulled it only.
    public var tag: UInt64
    /// Whether the message was delivered before and not acknowledged.
    public var redelivered: Bool

    public init(message: Message, tag: UInt64, redelivered: Bool) {
        self.message = message
        self.tag = tag
        self.redelivered = redelivered
    }
}

/// A message to place on a queue.
public struct Outgoing: Sendable, Equatable {
    public var queue: String
    public var message: Message

    public init(queue: String, message: Message) {
        self.queue = queue
        self.message = message
    }
}

/// A persisted data stream: named queues carrying messages between nodes.
///
/// Delivery is at least once: a message pulled and not acknowledged when its
/// connection closes (its node stopped or died) goes back to its queue.
public protocol DataStream: Sendable {
    /// Opens a connection for the calling thread's exclusive use.
    func connect() throws -> any DataStreamConnection
}

/// One thread's connection to a ``DataStream``. Not thread-safe: use it only
/// on the thread that opened it.
public protocol DataStreamConnection: AnyObject {
    /// Creates `queue` if it does not exist (durable where the stream persists).
    func declare(queue: String) throws
    /// Up to `max` messages from `queue`, waiting at most `timeout` for the
    /// first; an empty array when none arrived in time.
    func pull(from queue: String, max: Int, timeout: Duration) throws -> [Delivery]
    /// Places `messages`; returns once the stream holds all of them durably.
    func publish(_ messages: [Outgoing]) throws
    /// Acknowledges deliveries: they are done and leave the stream.
    func ack(_ tags: [UInt64]) throws
    /// Rejects deliveries: back to their queue if `requeue`, else dropped.
    func nack(_ tags: [UInt64], requeue: Bool) throws
    /// Closes the connection; unacknowledged deliveries return to their queues.
    func close()
}

/// A data-stream operation that failed.
public enum DataStreamError: Error, Equatable, CustomStringConvertible {
    /// The connection was closed and cannot be used.
    case closed
    /// A tag that this connection did not deliver, or already settled.
    case unknownDeliveryTag(UInt64)
    /// The stream could not be reached or refused the operation.
    case unavailable(String)

    public var description: String {
        switch self {
        case .closed: "the data-stream connection is closed"
        case .unknownDeliveryTag(let tag): "delivery tag \(tag) is unknown on this connection or already settled"
        case .unavailable(let detail): "the data stream is unavailable: \(detail)"
        }
    }
}
