import CZeroMQ
import Foundation

/// Wakes a loop that waits in ``ZMQSocket/poll(_:timeout:)`` from another
/// thread, so that the loop can tick slowly and still stop at once.
///
/// The loop's thread calls ``listen()`` and polls the socket it returns
/// among its own; any thread calls ``wake()``.
public struct ZMQWakeup: Sendable {
    private let context: ZMQContext
    private let endpoint = "inproc://monomyth-wakeup-\(UUID().uuidString)"

    public init(context: ZMQContext) { self.context = context }

    /// The socket to poll; call on the loop's thread, which owns and closes it.
    public func listen() throws(ZMQError) -> ZMQSocket {
        let socket = try ZMQSocket(context, .pull)
        try socket.bind(endpoint)
        return socket
    }

    /// Makes the listening socket readable. Safe from any thread; does
    /// nothing if the loop has already closed its socket.
    public func wake() {
        guard let push = try? ZMQSocket(context, .push) else { return }
        defer { push.close() }
        // Never block, and let context termination wait at most 100 ms for a
        // wake-up nobody will read.
        try? push.setOption(ZMQ_SNDTIMEO, 0)
        try? push.setOption(ZMQ_LINGER, 100)
        try? push.connect(endpoint)
        try? push.send([[]])
    }

    /// Drains what ``wake()`` sent.
    public static func drain(_ socket: ZMQSocket) {
        while (try? socket.receive(timeout: .zero)) != nil {}
    }
}
