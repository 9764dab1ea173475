import Foundation
import Synchronization

/// A long-running loop on a thread of its own: a master, a worker, a driver.
///
/// ``start(name:_:)`` returns once the body called ``ready()`` (its sockets
/// are bound, say) and rethrows what the body threw before that. The body
/// polls ``isStopRequested`` and returns when it is set; ``join(timeout:)``
/// waits for it to have returned.
public final class ServiceThread: Sendable {
    private enum Phase {
        case starting
        case running
        case failedToStart(any Error)
        case finished
    }

    private let phase = Guarded(Phase.starting)
    private let stopFlag = Atomic<Bool>(false)

    private init() {}

    /// Starts `body` on a new thread and waits until it is ready or has failed.
    public static func start(
        name: String, _ body: @escaping @Sendable (ServiceThread) throws -> Void
    ) throws -> ServiceThread {
        let service = ServiceThread()
        let thread = Thread {
            // Named from inside, so the system sees the name too (ps, /proc).
            Thread.current.name = name
            var failure: (any Error)?
            do { try body(service) } catch { failure = error }
            let beforeReady = service.phase.update { phase in
                guard case .starting = phase else {
                    phase = .finished
                    return false
                }
                phase = .failedToStart(failure ?? ServiceError.endedBeforeReady(name))
                return true
            }
            if let failure, !beforeReady { Log.error("stopped on an error: \(failure)", from: name) }
        }
        thread.start()
        let started: Result<Void, any Error>? = service.phase.wait(until: nil) { phase in
            switch phase {
            case .starting: nil
            case .failedToStart(let error): .failure(error)
            case .running, .finished: .success(())
            }
        }
        try started?.get()
        return service
    }

    /// Called by the body once it is set up.
    public func ready() {
        phase.update { phase in if case .starting = phase { phase = .running } }
    }

    public var isStopRequested: Bool { stopFlag.load(ordering: .relaxed) }

    /// Asks the body to return; does not wait.
    public func requestStop() { stopFlag.store(true, ordering: .relaxed) }

    /// Waits until the body has returned, or `timeout` passed; whether it returned.
    @discardableResult
    public func join(timeout: Duration? = nil) -> Bool {
        let deadline = timeout.map { Date(timeIntervalSinceNow: $0.timeInterval) }
        return phase.wait(until: deadline) { phase in
            switch phase {
            case .finished, .failedToStart: true
            case .starting, .running: nil
            }
        } ?? false
    }
}

enum ServiceError: Error, CustomStringConvertible {
    case endedBeforeReady(String)
    var description: String {
        switch self {
        case .endedBeforeReady(let name): "\(name) ended before it was ready"
        }
    }
}
