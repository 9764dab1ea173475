import Foundation

/// A value guarded by a lock that threads can also wait on.
///
/// Unlike `Mutex`, it is a class (closures can capture it) and it can wait
/// for a condition. Every access to `value` goes through the lock, which is
/// what makes it `@unchecked Sendable`.
public final class Guarded<Value>: @unchecked Sendable {
    private let condition = NSCondition()
    private var value: Value

    public init(_ value: Value) { self.value = value }

    /// A copy of the value.
    public var current: Value { update { $0 } }

    /// Runs `body` with the lock held and wakes every waiter afterwards.
    public func update<T, E: Error>(_ body: (inout Value) throws(E) -> T) throws(E) -> T {
        condition.lock()
        defer {
            condition.broadcast()
            condition.unlock()
        }
        return try body(&value)
    }

    /// Waits until `result` returns non-nil, or until `deadline`; `nil` if it timed out.
    public func wait<T>(until deadline: Date?, for result: (Value) -> T?) -> T? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let found = result(value) { return found }
            if let deadline {
                guard condition.wait(until: deadline) else { return result(value) }
            } else {
                condition.wait()
            }
        }
    }
}

extension Duration {
    /// The duration in seconds, as a `TimeInterval`.
    public var timeInterval: TimeInterval {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }
}
