import CZeroMQ
import Foundation

/// A libzmq call that failed, with libzmq's own text.
public struct ZMQError: Error, Equatable, CustomStringConvertible {
    /// The `errno` value libzmq reported.
    public let code: Int32
    /// What was being done, e.g. `bind tcp://*:5555`.
    public let operation: String

    public var description: String { "\(operation): \(String(cString: zmq_strerror(code)))" }

    /// The context is being terminated: close the socket and leave.
    public var isTerminated: Bool { code == ETERM }
    /// A ROUTER with `ZMQ_ROUTER_MANDATORY` has no peer with that routing id.
    public var isHostUnreachable: Bool { code == EHOSTUNREACH }

    static func last(_ operation: @autoclosure () -> String) -> ZMQError {
        ZMQError(code: zmq_errno(), operation: operation())
    }
}

/// A libzmq context. Thread-safe (libzmq guarantees it), so it may be shared;
/// sockets made from it may not.
public final class ZMQContext: @unchecked Sendable {
    fileprivate let handle: UnsafeMutableRawPointer

    public init() throws(ZMQError) {
        guard let handle = zmq_ctx_new() else { throw ZMQError.last("zmq_ctx_new") }
        self.handle = handle
    }

    /// Terminates the context: blocks until every socket made from it is
    /// closed (each socket has linger 0, so nothing waits for the network).
    public func terminate() {
        while zmq_ctx_term(handle) != 0 && zmq_errno() == EINTR {}
    }
}

/// One ZeroMQ socket. Create, use and close it on a single thread.
///
/// Every socket has `ZMQ_LINGER` 0: closing never waits for unsent messages.
public final class ZMQSocket {
    public enum Kind {
        case router, dealer, push, pull

        var rawValue: Int32 {
            switch self {
            case .router: ZMQ_ROUTER
            case .dealer: ZMQ_DEALER
            case .push: ZMQ_PUSH
            case .pull: ZMQ_PULL
            }
        }
    }

    private var handle: UnsafeMutableRawPointer?

    public init(_ context: ZMQContext, _ kind: Kind) throws(ZMQError) {
        guard let handle = zmq_socket(context.handle, kind.rawValue) else { throw ZMQError.last("zmq_socket") }
        self.handle = handle
        try setOption(ZMQ_LINGER, 0)
    }

    deinit { close() }

    /// Sets an integer socket option such as `ZMQ_ROUTER_HANDOVER`.
    public func setOption(_ option: Int32, _ value: Int32) throws(ZMQError) {
        var value = value
        guard zmq_setsockopt(handle, option, &value, MemoryLayout<Int32>.size) == 0 else {
            throw ZMQError.last("zmq_setsockopt \(option)")
        }
    }

    /// Sets the routing id peers see for this socket (before connecting).
    public func setRoutingID(_ id: String) throws(ZMQError) {
        let bytes = Array(id.utf8)
        guard zmq_setsockopt(handle, ZMQ_ROUTING_ID, bytes, bytes.count) == 0 else {
            throw ZMQError.last("set routing id \(id)")
        }
    }

    public func bind(_ endpoint: String) throws(ZMQError) {
        guard zmq_bind(handle, endpoint) == 0 else { throw ZMQError.last("bind \(endpoint)") }
    }

    public func connect(_ endpoint: String) throws(ZMQError) {
        guard zmq_connect(handle, endpoint) == 0 else { throw ZMQError.last("connect \(endpoint)") }
    }

    /// Sends one multipart message. All frames go, or none: a failure on
    /// the first frame (e.g. `EHOSTUNREACH` on a mandatory ROUTER) throws.
    public func send(_ frames: [[UInt8]]) throws(ZMQError) {
        for (index, frame) in frames.enumerated() {
            let flags = index < frames.count - 1 ? ZMQ_SNDMORE : 0
            while frame.withUnsafeBytes({ zmq_send(handle, $0.baseAddress, $0.count, flags) }) < 0 {
                guard zmq_errno() == EINTR else { throw ZMQError.last("send") }
            }
        }
    }

    /// Receives one whole multipart message, blocking until one arrives.
    public func receive() throws(ZMQError) -> [[UInt8]] {
        var frames: [[UInt8]] = []
        var more = true
        while more {
            var message = zmq_msg_t()
            zmq_msg_init(&message)
            defer { zmq_msg_close(&message) }
            while zmq_msg_recv(&message, handle, 0) < 0 {
                guard zmq_errno() == EINTR else { throw ZMQError.last("receive") }
            }
            let size = zmq_msg_size(&message)
            let data = zmq_msg_data(&message)
            frames.append(size == 0 ? [] : Array(UnsafeRawBufferPointer(start: data, count: size)))
            more = zmq_msg_more(&message) != 0
        }
        return frames
    }

    /// Receives one message if one arrives within `timeout`.
    public func receive(timeout: Duration) throws(ZMQError) -> [[UInt8]]? {
        try ZMQSocket.poll([self], timeout: timeout)[0] ? receive() : nil
    }

    /// Closes the socket; later calls fail. Safe to call twice.
    public func close() {
        guard let handle else { return }
        zmq_close(handle)
        self.handle = nil
    }

    /// Waits up to `timeout` for any of `sockets` to have a message; returns
    /// which ones do.
    public static func poll(_ sockets: [ZMQSocket], timeout: Duration) throws(ZMQError) -> [Bool] {
        var items = sockets.map { zmq_pollitem_t(socket: $0.handle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0) }
        let milliseconds = Int(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        while zmq_poll(&items, Int32(items.count), milliseconds) < 0 {
            guard zmq_errno() == EINTR else { throw ZMQError.last("poll") }
        }
        return items.map { $0.revents & Int16(ZMQ_POLLIN) != 0 }
    }
}
