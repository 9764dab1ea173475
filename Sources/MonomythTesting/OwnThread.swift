import Foundation

/// Runs `body` on a new thread and returns its result without blocking the
/// caller's thread.
///
/// Data-stream calls block (a RabbitMQ pull waits on a socket), and blocking
/// calls belong on threads you own, not on the Swift concurrency pool that
/// runs `async` tests. Keep `#expect` outside `body`: return what it observed.
///
/// ```swift
/// let pulled = try await onOwnThread {
///     let connection = try stream.connect()
///     defer { connection.close() }
///     return try connection.pull(from: "START-to-SHOUT", max: 10, timeout: .seconds(1))
/// }
/// ```
public func onOwnThread<T: Sendable>(
    _ name: String = "monomyth-test", _ body: @escaping @Sendable () throws -> T
) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.name = name
        thread.start()
    }
}
